// Candidate passwords for encrypted attachments, collected from the message the way the hosted
// products do: "password: …" phrases, quoted words, and short tokens near the attachment's name.
import { basename } from './names.js';

const PHRASE = /(?:password|passwort|passwd|pwd|pass ?code|kennwort|mot de passe|contrase(?:ñ|n)a|senha|wachtwoord|code|pin)\s*(?:is|ist|est|:|=|-|–)?\s*[:=]?\s*["'“‘«]?([^\s"'”’»<>]{2,64})/giu;
const QUOTED = /["“‘'«]([^\s"”’'»]{3,32})["”’'»]/gu;
const TOKEN = /[A-Za-z0-9!@#$%^&*_+=.-]{3,24}/g;

/** Up to max candidates, most likely first, without duplicates. */
export function candidatePasswords(text: string, attachmentNames: readonly string[], max = 20): string[] {
  // The first `max` distinct candidates are the answer: collecting stops there. (Collecting all of
  // them, each checked against the list so far, took 14 s for a body of 100,000 quoted words.)
  const out: string[] = [];
  const add = (s: string | undefined) => {
    if (!s) return;
    const v = s.replace(/[.,;:!?)]+$/, '');
    if (v.length >= 2 && v.length <= 64 && !out.includes(v)) out.push(v);
  };
  for (const m of text.matchAll(PHRASE)) {
    if (out.length >= max) return out;
    add(m[1]);
  }
  for (const m of text.matchAll(QUOTED)) {
    if (out.length >= max) return out;
    add(m[1]);
  }
  // Tokens on the lines that mention an attachment ("invoice.zip – use 4471 to open").
  const names = attachmentNames.map((n) => basename(n).toLowerCase()).filter((n) => n.length > 0);
  const stems = names.map((n) => n.replace(/\.[^.]+$/, ''));
  for (const line of text.split(/\r?\n/)) {
    const l = line.toLowerCase();
    if (!names.some((n) => l.includes(n)) && !stems.some((s) => s.length >= 3 && l.includes(s)) && !/attach|archive|zip|file|open|document/.test(l)) continue;
    for (const m of line.matchAll(TOKEN)) {
      if (out.length >= max) return out;
      const tok = m[0];
      if (names.includes(tok.toLowerCase())) continue;
      if (/\d/.test(tok) || /[^A-Za-z]/.test(tok)) add(tok);
    }
  }
  return out;
}
