// The start tags of one name in a text of HTML (or XML), for checks that look inside a tag. An
// expression of the form /<a\b[^>]*X/ is tried from every "<a" and each try reads on to the next
// '>': over a text of unclosed tags ("<a <a <a …", 300 KB) that is time in proportion to the
// square of the text, and such a message held a scan worker past its time-out. A tag start inside
// an earlier tag's span is not yielded separately: its text is the tail of that span, so whatever
// is found after it is found after the earlier start too.

export interface TagSpan {
  /** Where the tag starts ('<'). */
  start: number;
  /** The tag's text from '<' up to its '>' (excluded), or to the end of the text when none follows. */
  text: string;
  /** The index of the closing '>', or -1 when the tag is not closed. */
  close: number;
}

/** The tags whose start `open` matches (a global expression such as /<a\b/gi), in order. */
export function* tagSpans(html: string, open: RegExp): Generator<TagSpan> {
  // A copy: the caller's expression keeps no position between calls, even nested ones.
  const re = new RegExp(open.source, open.flags.includes('g') ? open.flags : `${open.flags}g`);
  for (let m = re.exec(html); m; m = re.exec(html)) {
    const close = html.indexOf('>', m.index);
    yield { start: m.index, text: html.slice(m.index, close < 0 ? html.length : close), close };
    if (close < 0) return;
    re.lastIndex = close + 1;
  }
}

/** Whether any tag whose start `open` matches satisfies `test`. */
export function someTag(html: string, open: RegExp, test: (tag: TagSpan) => boolean): boolean {
  for (const t of tagSpans(html, open)) if (test(t)) return true;
  return false;
}
