// HTML smuggling: attachments (or bodies) whose script builds a file in the browser and saves it
// (Blob + createObjectURL + download, msSaveOrOpenBlob, atob of a large payload), so that no file
// crosses the gateway. Also the credential forms that phishing pages carry.
export interface HtmlReport {
  smuggling: string[];
  forms: { action: string; password: boolean }[];
  /** A large base64 literal in script. */
  bigBase64: boolean;
}

const BASE64_RUN = /["'`]([A-Za-z0-9+/=\s\\]{4096,})["'`]/;

export function inspectHtml(html: string): HtmlReport {
  const scripts = [...html.matchAll(/<script\b[^>]*>([\s\S]*?)<\/script>/gi)].map((m) => m[1]!).join('\n') + '\n' + [...html.matchAll(/\son\w+\s*=\s*"([^"]*)"/gi)].map((m) => m[1]!).join('\n');
  const cues: string[] = [];
  const blob = /new\s+Blob\s*\(|\bBlob\s*\(/.test(scripts);
  const objectUrl = /createObjectURL\s*\(/.test(scripts);
  const download = /\.download\s*=|setAttribute\s*\(\s*["']download["']|\bdownload\s*:/.test(scripts) || /<a\b[^>]*\bdownload\b/i.test(html);
  const atob = /\batob\s*\(/.test(scripts);
  const bigBase64 = BASE64_RUN.test(scripts) || /data:application\/(?:octet-stream|zip|x-msdownload|x-zip-compressed)[^"']{0,40};base64,[A-Za-z0-9+/=]{4096,}/i.test(html);
  if (blob && objectUrl && download) cues.push('Blob+createObjectURL+download');
  if (/msSaveOrOpenBlob|msSaveBlob/.test(scripts)) cues.push('msSaveOrOpenBlob');
  if (atob && bigBase64 && (blob || download || objectUrl)) cues.push('atob of a large payload');
  if (/<a\b[^>]*\bdownload\b[^>]*href\s*=\s*["']data:application\/[^"']{0,60};base64,/i.test(html)) cues.push('download link with an embedded file');
  const forms = [...html.matchAll(/<form\b([^>]*)>([\s\S]*?)(?:<\/form>|$)/gi)].map((m) => ({
    action: /\baction\s*=\s*["']?([^"'\s>]*)/i.exec(m[1]!)?.[1] ?? '',
    password: /<input\b[^>]*type\s*=\s*["']?password/i.test(m[2]!),
  }));
  return { smuggling: cues, forms, bigBase64 };
}
