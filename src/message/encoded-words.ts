// RFC 2047 encoded-word decoding, shared by the SMTP layer (trace Subject) and policy (subject prefix).

/** Decodes RFC 2047 encoded words; whitespace between adjacent encoded words is dropped. */
export function decodeEncodedWords(value: string): string {
  return value.replace(/=\?([^?\s]+)\?([bqBQ])\?([^?\s]*)\?=(?:\s+(?==\?[^?\s]+\?[bqBQ]\?[^?\s]*\?=))?/g, (whole, charset: string, enc: string, text: string) => {
    try {
      const bytes =
        enc.toUpperCase() === 'B'
          ? Buffer.from(text, 'base64')
          : Buffer.from(text.replace(/_/g, ' ').replace(/=([0-9a-fA-F]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1');
      return new TextDecoder(charset.split('*')[0]!.toLowerCase()).decode(bytes);
    } catch {
      return whole;
    }
  });
}
