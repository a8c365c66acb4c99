import { describe, expect, it } from 'vitest';
import { loadTaskYaml, pyFloatRepr, pyStr, Resolver, TaskYamlError, toJs, type CMap, type CNode, type Val } from './taskYaml';

const resolveAll = (text: string) => {
  const root = loadTaskYaml(text);
  return toJs(new Resolver(root).resolve(root));
};
const resolveVal = (text: string): Val => {
  const root = loadTaskYaml(text);
  return new Resolver(root).resolve(root);
};
function yamlError(fn: () => unknown): TaskYamlError {
  try {
    fn();
  } catch (e) {
    if (e instanceof TaskYamlError) return e;
    throw e;
  }
  throw new Error('expected a TaskYamlError');
}
const task = (root: CNode, i: number) => (root as { items: CNode[] }).items[i] as CMap;

describe('loadTaskYaml: positions', () => {
  it('keeps 1-based line and column of each key and value', () => {
    const root = loadTaskYaml('# tasks\n- name: a\n  prompt: "quoted"\n  h: 768\n-   name: b\n');
    expect(root.kind).toBe('list');
    const a = task(root, 0);
    expect(a.pos).toEqual({ line: 2, column: 3 });
    expect(a.entries.get('prompt')!.keyPos).toEqual({ line: 3, column: 3 });
    expect(a.entries.get('prompt')!.node.pos).toEqual({ line: 3, column: 11 }); // the opening quote
    expect(a.entries.get('h')!.node.pos).toEqual({ line: 4, column: 6 });
    expect(task(root, 1).entries.get('name')!.keyPos).toEqual({ line: 5, column: 5 });
  });

  it('reads YAML the way OmegaConf (PyYAML 1.1) does', () => {
    expect(resolveAll('[yes, No, on, OFF, True, y, n, ~, 1e3, 1.0, 1, 0x1f, 2024-01-02, "1e3"]')).toEqual([
      true, false, true, false, true, 'y', 'n', null, 1000, 1, 1, 31, '2024-01-02', '1e3',
    ]);
    const v = resolveVal('[1.0, 1, 1e3, 2.50]');
    expect(v).toEqual({ t: 'list', items: [{ t: 'float', v: 1 }, { t: 'int', v: 1 }, { t: 'float', v: 1000 }, { t: 'float', v: 2.5 }] });
  });

  it('syntax errors carry the 1-based line and column and say what to check', () => {
    const e = yamlError(() => loadTaskYaml('- name: a\n  prompt: x\n bad: 1\n'));
    expect(e.pos.line).toBe(3);
    expect(e.message).toMatch(/^YAML error on line 3, column \d+: .*indentation/i);
    expect(e.snippet).toContain('bad: 1');
    const dup = yamlError(() => loadTaskYaml('- name: a\n  name: b\n'));
    expect(dup.pos).toEqual({ line: 2, column: 3 });
    expect(dup.message).toMatch(/duplicated.*remove or rename/i);
    expect(yamlError(() => loadTaskYaml('')).message).toMatch(/no tasks/);
    expect(yamlError(() => loadTaskYaml('# only a comment\n\n')).message).toMatch(/no tasks/);
    expect(yamlError(() => loadTaskYaml('- a\n---\n- b\n')).message).toMatch(/YAML error/);
  });
});

describe('Python str()', () => {
  it('floats print like repr()', () => {
    expect([1, 1.8, 0.001, 0.0001, 1e-5, 1e16, 123456789012345, 2.5e-7, -3, -0].map(pyFloatRepr)).toEqual([
      '1.0', '1.8', '0.001', '0.0001', '1e-05', '1e+16', '123456789012345.0', '2.5e-07', '-3.0', '-0.0',
    ]);
    expect([Infinity, -Infinity, NaN].map(pyFloatRepr)).toEqual(['inf', '-inf', 'nan']);
  });
  it('other values print like str()', () => {
    expect(pyStr({ t: 'bool', v: true })).toBe('True');
    expect(pyStr({ t: 'null' })).toBe('None');
    expect(pyStr(resolveVal("[a, 1, 1.5, null, {k: 'it''s'}]"))).toBe("['a', 1, 1.5, None, {'k': 'it\\'s'}]");
  });
});

describe('interpolation (OmegaConf 2.3 rules)', () => {
  it('${.key} reads the same task and keeps the type; ${N.key} reads task N from the top list', () => {
    const out = resolveAll(
      '- name: a\n  condition_images: ./a.png\n  refer_image: ${.condition_images}\n  h: 768\n  h2: ${.h}\n' +
        '- name: b\n  first: ${0.name}\n  up: ${..0.h}\n  text: img_${.name}_${0.h}\n',
    );
    expect(out).toEqual([
      { name: 'a', condition_images: './a.png', refer_image: './a.png', h: 768, h2: 768 },
      { name: 'b', first: 'a', up: 768, text: 'img_b_768' },
    ]);
  });

  it('inside longer text a value prints as Python would (1.0 stays 1.0)', () => {
    expect(resolveAll('- r: 1.0\n  s: x_${.r}_${.t}\n  t: true\n')).toEqual([{ r: 1, s: 'x_1.0_True', t: true }]);
  });

  it('follows chains, reads list items by index, and keeps \\${ literal', () => {
    expect(resolveAll('- a: ${.b}\n  b: ${.c}\n  c: 5\n  l: [x, y]\n  y: ${.l[1]}\n  z: ${.l.0}\n  lit: \\${.a}\n')).toEqual([
      { a: 5, b: 5, c: 5, l: ['x', 'y'], y: 'y', z: 'x', lit: '${.a}' },
    ]);
    // in a list inside a task, '.' is that list and '..' the task
    expect(resolveAll('- name: n\n  imgs:\n    - ${..name}\n    - b\n')).toEqual([{ name: 'n', imgs: ['n', 'b'] }]);
  });

  it('${key} is absolute: at the top of a task file keys are indices', () => {
    const e = yamlError(() => resolveAll('- name: a\n  prompt: p\n  r: ${name}\n'));
    expect(e.pos).toEqual({ line: 3, column: 6 });
    expect(e.message).toContain('${name} cannot be read: the top of the file (a list of tasks) is a list');
    expect(e.message).toContain('Use ${.key} for a key of the same task');
  });

  it('unresolvable references name the line and the missing key', () => {
    const e = yamlError(() => resolveAll('- name: a\n  refer_image: ${.condtion_images}\n'));
    expect(e.pos.line).toBe(2);
    expect(e.message).toMatch(/^Line 2: \$\{\.condtion_images\} points at nothing: this task has no key `condtion_images`/);
    expect(yamlError(() => resolveAll('- a: ${3.name}\n')).message).toMatch(/has no item 3 \(it has 1\)/);
    expect(yamlError(() => resolveAll('- a: ${-1.name}\n')).message).toMatch(/has no item -1/); // 2.3: negative indices are not found
    expect(yamlError(() => resolveAll('- a: ${...x}\n')).message).toMatch(/goes above the top of the file/);
    expect(yamlError(() => resolveAll('- a: ${.b}\n  b: ${.a}\n')).message).toMatch(/refers back to itself/);
    expect(yamlError(() => resolveAll('- a: ${oc.env:HOME}\n')).message).toMatch(/resolver \(`oc.env:`\)/);
    expect(yamlError(() => resolveAll('- a: 1\n  b: ${.a.x}\n')).message).toMatch(/`a` is a value/);
  });
});
