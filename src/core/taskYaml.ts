/**
 * A MuseV task file as OmegaConf sees it (spec §7): the YAML read with OmegaConf's rules, every node
 * kept with its 1-based line and column, and `${...}` interpolations resolved.
 *
 * YAML flavour: OmegaConf loads with PyYAML's SafeLoader (YAML 1.1: `yes`/`no`/`on`/`off` are
 * booleans, `0o17` is a string, `017` is octal), plus a float rule that also reads `1e3` as a float,
 * and without timestamps (`2024-01-02` stays a string).
 *
 * Interpolation (OmegaConf 2.3, `_resolve_key_and_root` / `_select_one`):
 *   `${.key}`   relative: starts at the container that holds the value, so in a task it reads the
 *               task's own key (`refer_image: ${.condition_images}`); each extra dot goes one level
 *               up (`${..0.name}` from a task key = the first task's name).
 *   `${key}`    absolute: starts at the file's top, which for a task file is the list of tasks, so
 *               keys there are indices: `${0.name}` is the first task's name and `${name}` fails with
 *               "Index 'name' is not an int". Negative indices are not found (2.3 behaviour).
 *   A value that is exactly one `${...}` takes the referenced node's value and type; an
 *   interpolation inside longer text is replaced by Python's str() of the value
 *   (`a_${.h}` with h: 1.0 → "a_1.0"). `\${` is a literal `${`. Resolvers (`${oc.env:HOME}`) and
 *   nested interpolations are not supported here.
 */
import { defineScalarTag, EVENT_ID, load, NOT_RESOLVED, parseEvents, SCALAR_STYLE, Schema, YAML11_SCHEMA, YAMLException, type Event } from 'js-yaml';

export interface Pos {
  /** 1-based. */
  line: number;
  /** 1-based. */
  column: number;
}

/** A resolved value with Python's types (int and float differ: str(1.0) is "1.0"). */
export type Val =
  | { t: 'str'; v: string }
  | { t: 'int'; v: number }
  | { t: 'float'; v: number }
  | { t: 'bool'; v: boolean }
  | { t: 'null' }
  | { t: 'list'; items: Val[] }
  | { t: 'map'; entries: [string, Val][] };

/** A node of the loaded file, before interpolation. */
export type CNode = CScalar | CList | CMap;
interface CBase {
  pos: Pos;
  parent: CList | CMap | null;
}
export interface CScalar extends CBase {
  kind: 'scalar';
  value: Extract<Val, { t: 'str' | 'int' | 'float' | 'bool' | 'null' }>;
}
export interface CList extends CBase {
  kind: 'list';
  items: CNode[];
}
export interface CMap extends CBase {
  kind: 'map';
  entries: Map<string, { keyPos: Pos; node: CNode }>;
}

/** A problem at a place in the file; `message` says what to do. */
export class TaskYamlError extends Error {
  constructor(
    message: string,
    readonly pos: Pos,
    readonly snippet: string | null = null,
  ) {
    super(message);
  }
}

// ---------------------------------------------------------------------------------------------
// Loading

/** PyYAML's booleans (YAML 1.1 without the single letters y/n that js-yaml's 1.1 schema adds). */
const PY_TRUE = /^(?:yes|Yes|YES|true|True|TRUE|on|On|ON)$/;
const PY_FALSE = /^(?:no|No|NO|false|False|FALSE|off|Off|OFF)$/;
const pyBoolTag = defineScalarTag<boolean>('tag:yaml.org,2002:bool', {
  implicit: true,
  implicitFirstChars: ['y', 'Y', 't', 'T', 'o', 'O', 'n', 'N', 'f', 'F'],
  resolve: (src) => (PY_TRUE.test(src) ? true : PY_FALSE.test(src) ? false : NOT_RESOLVED),
  identify: (d) => typeof d === 'boolean',
  represent: (d: boolean) => (d ? 'true' : 'false'),
});
const SCHEMA = new Schema(
  YAML11_SCHEMA.tags.filter((t) => !t.tagName.endsWith(':timestamp')).map((t) => (t.tagName === pyBoolTag.tagName ? pyBoolTag : t)),
);
/** OmegaConf's extra float form: an exponent without a dot (`1e3`, `-2E-4`). */
const EXP_FLOAT = /^[-+]?[0-9][0-9_]*[eE][-+]?[0-9]+$/;
/** A plain scalar whose number is a float in YAML 1.1 / OmegaConf (has a dot, an exponent, inf or nan). */
const isFloatSource = (raw: string) => !/^[-+]?0x/i.test(raw) && /[.eE]|inf|nan/i.test(raw);

/** Byte offset → 1-based line/column. */
function positioner(src: string): (offset: number) => Pos {
  const starts = [0];
  for (let i = 0; i < src.length; i++) if (src[i] === '\n') starts.push(i + 1);
  return (offset) => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= Math.max(0, offset)) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: Math.max(0, offset) - starts[lo] + 1 };
  };
}

/** Where each node of the event stream starts, and the source text of plain scalars. */
interface PNode {
  offset: number;
  raw?: string;
  items?: PNode[];
  pairs?: Map<string, { keyOffset: number; value: PNode }>;
}

function positionTree(src: string, events: Event[]): PNode | null {
  let i = 0;
  while (i < events.length && events[i].type === EVENT_ID.DOCUMENT) i++;
  if (i >= events.length) return null;
  const next = (): PNode => {
    const e = events[i++];
    switch (e.type) {
      case EVENT_ID.SCALAR: {
        const quoted = e.style === SCALAR_STYLE.SINGLE_QUOTED || e.style === SCALAR_STYLE.DOUBLE_QUOTED;
        const plain = e.style === SCALAR_STYLE.PLAIN && e.tagStart < 0;
        return { offset: quoted ? e.valueStart - 1 : e.valueStart, raw: plain ? src.slice(e.valueStart, e.valueEnd) : undefined };
      }
      case EVENT_ID.ALIAS:
        return { offset: e.anchorStart - 1 };
      case EVENT_ID.SEQUENCE: {
        const items: PNode[] = [];
        while (events[i].type !== EVENT_ID.POP) items.push(next());
        i++;
        return { offset: e.start, items };
      }
      case EVENT_ID.MAPPING: {
        const pairs = new Map<string, { keyOffset: number; value: PNode }>();
        while (events[i].type !== EVENT_ID.POP) {
          const k = events[i];
          const key = next();
          const value = next();
          if (k.type === EVENT_ID.SCALAR) pairs.set(src.slice(k.valueStart, k.valueEnd), { keyOffset: key.offset, value });
        }
        i++;
        return { offset: e.start, pairs };
      }
      default:
        return { offset: 0 };
    }
  };
  return next();
}

function scalarVal(v: unknown, raw: string | undefined): CScalar['value'] {
  if (v === null || v === undefined) return { t: 'null' };
  if (typeof v === 'boolean') return { t: 'bool', v };
  if (typeof v === 'number') return Number.isInteger(v) && !(raw !== undefined && isFloatSource(raw)) ? { t: 'int', v } : { t: 'float', v };
  if (typeof v === 'string' && raw !== undefined && EXP_FLOAT.test(raw)) return { t: 'float', v: Number(raw.replace(/_/g, '')) };
  return { t: 'str', v: String(v) };
}

function toNode(v: unknown, p: PNode | undefined, fallback: number, at: (o: number) => Pos, parent: CList | CMap | null): CNode {
  const pos = at(p?.offset ?? fallback);
  if (Array.isArray(v)) {
    const list: CList = { kind: 'list', items: [], pos, parent };
    v.forEach((item, k) => list.items.push(toNode(item, p?.items?.[k], p?.offset ?? fallback, at, list)));
    return list;
  }
  if (v !== null && typeof v === 'object' && !(v instanceof Date) && !(v instanceof Uint8Array)) {
    const map: CMap = { kind: 'map', entries: new Map(), pos, parent };
    const entries = v instanceof Map ? [...v.entries()] : Object.entries(v as Record<string, unknown>);
    for (const [key, value] of entries) {
      const pair = p?.pairs?.get(String(key));
      const keyOffset = pair?.keyOffset ?? p?.offset ?? fallback;
      map.entries.set(String(key), { keyPos: at(keyOffset), node: toNode(value, pair?.value, keyOffset, at, map) });
    }
    return map;
  }
  return { kind: 'scalar', value: scalarVal(v, p?.raw), pos, parent };
}

/**
 * Parse YAML text into a positioned tree. Throws TaskYamlError (with the 1-based position js-yaml
 * reports) for syntax errors, duplicate keys, several documents, or an empty file.
 */
export function loadTaskYaml(text: string): CNode {
  const at = positioner(text);
  if (text.split('\n').every((l) => /^\s*(#.*)?$/.test(l))) {
    throw new TaskYamlError('The file has no tasks. A MuseV task file is a YAML list: each task starts with "- name: ...".', { line: 1, column: 1 });
  }
  let value: unknown;
  let events: Event[];
  try {
    value = load(text, { schema: SCHEMA });
    events = parseEvents(text, {});
  } catch (e) {
    if (e instanceof YAMLException) {
      const pos = e.mark ? { line: e.mark.line + 1, column: e.mark.column + 1 } : { line: 1, column: 1 };
      const hint = /duplicat/i.test(e.reason)
        ? ' Each key may appear once per task: remove or rename one of them.'
        : /indentation|mapping|block/i.test(e.reason)
          ? ' Check the indentation there: each task starts with "- " and its keys line up under the first key.'
          : ' Check the quoting and indentation there.';
      throw new TaskYamlError(`YAML error on line ${pos.line}, column ${pos.column}: ${e.reason}.${hint}`, pos, e.mark?.snippet ?? null);
    }
    throw new TaskYamlError(`The file could not be read as YAML: ${e instanceof Error ? e.message : String(e)}`, { line: 1, column: 1 });
  }
  if (value === undefined || value === null) {
    throw new TaskYamlError('The file has no tasks. A MuseV task file is a YAML list: each task starts with "- name: ...".', { line: 1, column: 1 });
  }
  return toNode(value, positionTree(text, events) ?? undefined, 0, at, null);
}

// ---------------------------------------------------------------------------------------------
// Python's str()

/** Python's repr of a float: shortest round-trip digits, ".0" on whole numbers, exponent outside [1e-4, 1e16). */
export function pyFloatRepr(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const [mantissa, expText] = x.toExponential().split('e');
  const exp = Number(expText);
  if (exp >= -4 && exp < 16) {
    // JS prints fixed notation from 1e-7 to 1e21, a superset of Python's range.
    const s = String(x);
    return s.includes('.') ? s : `${s}.0`;
  }
  return `${mantissa}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
}

function pyRepr(v: Val): string {
  if (v.t === 'str') return `'${v.v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  return pyStr(v);
}

/** Python's str() of a value (what OmegaConf and MuseV's prompt templates print). */
export function pyStr(v: Val): string {
  switch (v.t) {
    case 'str':
      return v.v;
    case 'int':
      return String(v.v);
    case 'float':
      return pyFloatRepr(v.v);
    case 'bool':
      return v.v ? 'True' : 'False';
    case 'null':
      return 'None';
    case 'list':
      return `[${v.items.map(pyRepr).join(', ')}]`;
    case 'map':
      return `{${v.entries.map(([k, x]) => `'${k}': ${pyRepr(x)}`).join(', ')}}`;
  }
}

/** A plain JS value (numbers lose the int/float distinction). */
export function toJs(v: Val): unknown {
  switch (v.t) {
    case 'list':
      return v.items.map(toJs);
    case 'map':
      return Object.fromEntries(v.entries.map(([k, x]) => [k, toJs(x)]));
    case 'null':
      return null;
    default:
      return v.v;
  }
}

// ---------------------------------------------------------------------------------------------
// Interpolation

type Piece = { text: string } | { expr: string; start: number };

/** Split a string into literal text and `${...}` expressions; null when there is no interpolation. */
function interpolationPieces(s: string): Piece[] | null {
  if (!s.includes('${')) return null;
  const pieces: Piece[] = [];
  let text = '';
  let found = false;
  for (let i = 0; i < s.length; ) {
    if (s.startsWith('\\${', i)) {
      text += '${';
      i += 3;
    } else if (s.startsWith('${', i)) {
      let depth = 1;
      let j = i + 2;
      while (j < s.length && depth > 0) {
        if (s[j] === '{') depth++;
        else if (s[j] === '}') depth--;
        j++;
      }
      if (depth > 0) {
        text += s.slice(i);
        break; // OmegaConf would fail to parse; an unclosed `${` is left as text here
      }
      if (text) pieces.push({ text });
      text = '';
      pieces.push({ expr: s.slice(i + 2, j - 1), start: i });
      found = true;
      i = j;
    } else text += s[i++];
  }
  if (text) pieces.push({ text });
  return found ? pieces : [{ text }];
}

const ADVICE =
  'Use ${.key} for a key of the same task, or ${N.key} for a key of task N (counting from 0: the file itself is a list).';

/** OmegaConf's split_key: `a.b`, `a[0]`, `[a].b` → segments. */
function splitKey(key: string): string[] {
  const out: string[] = [];
  for (const part of key.split('.')) {
    const m = part.match(/^([^[\]]*)((?:\[[^\]]*\])*)$/);
    if (!m) throw new Error(`bad key \`${part}\``);
    if (m[1] !== '') out.push(m[1]);
    for (const b of m[2].matchAll(/\[([^\]]*)\]/g)) out.push(b[1]);
  }
  return out;
}

export class Resolver {
  private readonly resolving = new Set<CNode>();

  constructor(private readonly root: CNode) {}

  /** The node a whole-value interpolation points at (following chains), or the node itself. */
  private target(node: CNode): CNode {
    if (node.kind !== 'scalar' || node.value.t !== 'str') return node;
    const pieces = interpolationPieces(node.value.v);
    if (!pieces || pieces.length !== 1 || !('expr' in pieces[0])) return node;
    return this.guard(node, () => this.target(this.select(node, pieces[0] as { expr: string })));
  }

  private guard<T>(node: CNode, fn: () => T): T {
    if (this.resolving.has(node)) {
      throw new TaskYamlError(`Line ${node.pos.line}: this interpolation refers back to itself. Break the loop by writing a value.`, node.pos);
    }
    this.resolving.add(node);
    try {
      return fn();
    } finally {
      this.resolving.delete(node);
    }
  }

  private select(from: CNode, piece: { expr: string }): CNode {
    const expr = piece.expr.trim();
    const fail = (why: string): never => {
      throw new TaskYamlError(`Line ${from.pos.line}: \${${piece.expr}} ${why}`, from.pos);
    };
    if (expr.includes('${')) fail('nests another interpolation, which is not supported here. Write the value itself.');
    if (expr.includes(':')) {
      fail(`calls a resolver (\`${expr.split(':')[0]}:\`), which the browser cannot run. Write the value itself.`);
    }
    let rest = expr;
    let node: CNode | null;
    if (rest.startsWith('.')) {
      node = from.parent;
      rest = rest.slice(1);
      while (rest.startsWith('.')) {
        rest = rest.slice(1);
        node = node?.parent ?? null;
        if (!node) fail(`goes above the top of the file. ${ADVICE}`);
      }
    } else node = this.root;
    let segments: string[];
    try {
      segments = rest === '' ? [] : splitKey(rest);
    } catch {
      return fail(`is not a key path. ${ADVICE}`);
    }
    let cur: CNode = node!;
    let path = '';
    for (const seg of segments) {
      cur = this.target(cur);
      const where = path ? `\`${path}\`` : expr.startsWith('.') ? 'this task' : 'the top of the file (a list of tasks)';
      if (cur.kind === 'map') {
        const entry = cur.entries.get(seg);
        if (!entry) fail(`points at nothing: ${where} has no key \`${seg}\`. Fix the name or add the key. ${ADVICE}`);
        cur = entry!.node;
      } else if (cur.kind === 'list') {
        if (!/^[-+]?\d+$/.test(seg)) fail(`cannot be read: ${where} is a list, so \`${seg}\` must be an index (0, 1, ...). ${ADVICE}`);
        const k = Number(seg);
        if (k < 0 || k >= cur.items.length) fail(`points at nothing: ${where} has no item ${seg} (it has ${cur.items.length}). ${ADVICE}`);
        cur = cur.items[k];
      } else {
        fail(`cannot be read: \`${path}\` is a value, not a task or list, so it has no \`${seg}\`.`);
      }
      path = path ? `${path}.${seg}` : seg;
    }
    return cur;
  }

  /** The node's value with every interpolation resolved (OmegaConf.to_container(resolve=True)). */
  resolve(node: CNode): Val {
    if (node.kind === 'list') return { t: 'list', items: node.items.map((n) => this.resolve(n)) };
    if (node.kind === 'map') return { t: 'map', entries: [...node.entries].map(([k, e]) => [k, this.resolve(e.node)]) };
    if (node.value.t !== 'str') return node.value;
    const pieces = interpolationPieces(node.value.v);
    if (!pieces) return node.value;
    if (pieces.length === 1 && 'expr' in pieces[0]) {
      const target = this.target(node);
      return this.guard(node, () => this.resolve(target));
    }
    return this.guard(node, () => ({
      t: 'str',
      v: pieces.map((p) => ('text' in p ? p.text : pyStr(this.resolve(this.target(this.select(node, p)))))).join(''),
    }));
  }
}
