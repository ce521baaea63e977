// `rampart X` loads only the module of X: the registry must name every top-level command the
// modules register, and find the command name on any command line.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Command } from 'commander';
import { commandName, COMMANDS } from '../../src/cli/registry.js';

describe('cli registry', () => {
  it('maps every registered top-level command to the module that registers it', async () => {
    const all = new Command();
    for (const register of new Set(await Promise.all(Object.values(COMMANDS).map((load) => load())))) register(all);
    assert.deepEqual(all.commands.map((c) => c.name()).sort(), Object.keys(COMMANDS).sort());
    for (const [name, load] of Object.entries(COMMANDS)) {
      const one = new Command();
      (await load())(one);
      assert.ok(one.commands.some((c) => c.name() === name), `${name}'s module registers ${name}`);
    }
  });

  it('finds the command name past the global options', () => {
    assert.equal(commandName(['scan', '--json', 'x.eml']), 'scan');
    assert.equal(commandName(['-c', 'conf.yaml', 'train', '--spam', 'd']), 'train');
    assert.equal(commandName(['--config', 'conf.yaml', 'report']), 'report');
    assert.equal(commandName(['--config=conf.yaml', 'queue', 'list']), 'queue');
    assert.equal(commandName(['--help']), undefined);
    assert.equal(commandName([]), undefined);
  });
});
