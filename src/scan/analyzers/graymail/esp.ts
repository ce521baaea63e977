// Email service provider fingerprints: the headers and envelope marks that bulk-sending platforms
// put on every message. Returns the provider's name, or null.
import type { ParsedMessage } from '../../types.js';

interface Esp {
  name: string;
  test(h: Map<string, string>, msg: ParsedMessage): boolean;
}

const has = (h: Map<string, string>, key: string) => h.has(key);
const rcvd = (msg: ParsedMessage, re: RegExp) => msg.headers.some((f) => f.key === 'received' && re.test(f.value));
const returnPath = (h: Map<string, string>, msg: ParsedMessage) => (h.get('return-path') ?? msg.envelope.mailFrom ?? '').toLowerCase();

const ESPS: readonly Esp[] = [
  { name: 'Mailchimp', test: (h, m) => has(h, 'x-mc-user') || has(h, 'x-mcda') || /mailchimp|mcsv\.net|mcdlv\.net|rsgsv\.net/.test(returnPath(h, m)) || rcvd(m, /\.(mcsv|mcdlv|rsgsv)\.net\b/i) },
  { name: 'Mandrill', test: (h) => has(h, 'x-mandrill-user') },
  { name: 'SendGrid', test: (h, m) => has(h, 'x-sg-eid') || has(h, 'x-sg-id') || /sendgrid\.net/.test(returnPath(h, m)) || rcvd(m, /sendgrid\.net\b/i) },
  { name: 'Amazon SES', test: (h, m) => has(h, 'x-ses-outgoing') || /amazonses\.com/.test(returnPath(h, m)) || rcvd(m, /amazonses\.com\b/i) },
  { name: 'Mailgun', test: (h, m) => has(h, 'x-mailgun-sid') || has(h, 'x-mailgun-variables') || /mailgun\.(org|net)/.test(returnPath(h, m)) },
  { name: 'Salesforce Marketing Cloud', test: (h, m) => has(h, 'x-sfmc-stack') || /exacttarget\.com|\.mkt\d+\.com|s\d+\.exacttarget/.test(returnPath(h, m)) || rcvd(m, /exacttarget\.com\b/i) },
  { name: 'HubSpot', test: (h, m) => has(h, 'x-hs-cid') || /hubspotemail\.net|hubspot\.com|hs-mail/.test(returnPath(h, m)) || rcvd(m, /hubspotemail\.net\b/i) },
  { name: 'Constant Contact', test: (h, m) => has(h, 'x-roving-id') || has(h, 'x-roving-campaignid') || /constantcontact\.com|ccsend\.com/.test(returnPath(h, m)) || rcvd(m, /ccsend\.com\b/i) },
  { name: 'Campaign Monitor', test: (h, m) => has(h, 'x-cmail-id') || /createsend\.com|cmail\d+\.com/.test(returnPath(h, m)) || rcvd(m, /createsend\.com\b|cmail\d+\.com\b/i) },
  { name: 'Brevo', test: (h, m) => has(h, 'x-mailin-campaign') || has(h, 'x-sib-id') || /sendinblue\.com|brevo\.com/.test(returnPath(h, m)) },
  { name: 'Marketo', test: (h, m) => has(h, 'x-mkto-tracking') || /mktomail\.com|mktdns\.com/.test(returnPath(h, m)) },
  { name: 'SparkPost', test: (h, m) => has(h, 'x-msys-api') || /sparkpostmail\.com/.test(returnPath(h, m)) },
  { name: 'Postmark', test: (h, m) => has(h, 'x-pm-message-id') || /pm\.mtasv\.net|postmarkapp\.com/.test(returnPath(h, m)) },
  { name: 'Klaviyo', test: (h, m) => has(h, 'x-kmail-account') || /klaviyomail\.com|klaviyo\.com/.test(returnPath(h, m)) },
  { name: 'Lyris/Sympa bulk', test: (h) => has(h, 'x-lyris-messageid') || /lyris/i.test(h.get('x-mailer') ?? '') },
];

export function espOf(msg: ParsedMessage, h: Map<string, string>): string | null {
  for (const e of ESPS) if (e.test(h, msg)) return e.name;
  return null;
}
