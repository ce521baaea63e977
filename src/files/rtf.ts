// RTF documents that carry embedded OLE objects, especially the Equation Editor class (CVE-2017-11882
// and kin) and objects that update themselves on open. Control words are matched on the raw text;
// class names are also looked for in the hex-encoded object data.
export interface RtfReport {
  objects: number;
  classes: string[];
  equationEditor: boolean;
  autoUpdate: boolean;
  /** An OLE compound file (d0cf11e0) or a PE inside \objdata. */
  embeddedOle: boolean;
}

const EQUATION = /equation\.(?:3|dsmt)|0002ce02-0000-0000-c000-000000000046/i;

function hexToLatin1(hex: string): string {
  const clean = hex.replace(/[^0-9a-fA-F]/g, '');
  return Buffer.from(clean.slice(0, clean.length - (clean.length % 2)), 'hex').toString('latin1');
}

export function inspectRtf(content: Uint8Array): RtfReport {
  const raw = Buffer.from(content).toString('latin1');
  const objects = (raw.match(/\\object\b|\\objdata\b/g) ?? []).length;
  const classes = [...raw.matchAll(/\\objclass\s+([^}\\]+)/g)].map((m) => m[1]!.trim());
  let decoded = '';
  for (const m of raw.matchAll(/\\objdata\b([\s0-9a-fA-F]{0,4000000})/g)) decoded += hexToLatin1(m[1]!.slice(0, 200000));
  return {
    objects,
    classes,
    equationEditor: classes.some((c) => EQUATION.test(c)) || EQUATION.test(decoded),
    autoUpdate: /\\objupdate\b|\\objautlink\b/.test(raw),
    embeddedOle: decoded.includes('\xd0\xcf\x11\xe0') || /MZ[\s\S]{58,200}PE\0\0/.test(decoded),
  };
}
