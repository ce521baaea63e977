// Toy corpora for the spam tests: deterministic spam-like and ham-like messages built from two
// vocabularies, so the classifier has something real to separate.
const SPAM_WORDS = ['cheap', 'pills', 'offer', 'winner', 'casino', 'viagra', 'discount', 'bonus', 'credit', 'loans', 'guaranteed', 'amazing', 'deal', 'prize', 'unclaimed'];
const HAM_WORDS = ['meeting', 'agenda', 'budget', 'review', 'committee', 'lecture', 'seminar', 'draft', 'minutes', 'schedule', 'thesis', 'library', 'faculty', 'project', 'report'];
const COMMON = ['the', 'and', 'for', 'you', 'this', 'with', 'please', 'today', 'about', 'from'];

/** A small deterministic PRNG so every run builds the same corpora. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

export function toyMessage(kind: 'spam' | 'ham', i: number, extraHeaders = ''): string {
  const r = rng(kind === 'spam' ? 1000 + i : 5000 + i);
  const vocab = kind === 'spam' ? SPAM_WORDS : HAM_WORDS;
  const words: string[] = [];
  for (let k = 0; k < 60; k++) words.push(r() < 0.6 ? vocab[Math.floor(r() * vocab.length)]! : COMMON[Math.floor(r() * COMMON.length)]!);
  const from = kind === 'spam' ? `promo${i}@deals-${i % 3}.example` : `colleague${i % 5}@uni.example.edu`;
  const subject = words.slice(0, 4).join(' ');
  const head = [
    `From: ${kind === 'spam' ? 'Promo' : 'Colleague'} <${from}>`,
    'To: someone@uni.example.edu',
    `Subject: ${subject}`,
    `Message-ID: <${kind}-${i}@test.example>`,
    'Date: Mon, 2 Nov 2026 10:00:00 +0000',
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
  ];
  if (extraHeaders) head.push(extraHeaders);
  return `${head.join('\r\n')}\r\n\r\n${words.join(' ')}\r\n`;
}
