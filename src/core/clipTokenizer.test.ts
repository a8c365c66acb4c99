import { Tokenizer } from '@huggingface/tokenizers';
import { describe, expect, it } from 'vitest';
import golden from './__golden__/clip_tokenizer.json';
import vocab from './__fixtures__/clip-tiny/vocab.json';
import mergesText from './__fixtures__/clip-tiny/merges.txt?raw';
import { ClipTokenizer, bytesToUnicode, normalizeClipText, preTokenize } from './clipTokenizer';

// Fixture vocabulary and Python golden ids: models/golden/clip_tokenizer.py (learns 389 merges on a
// small corpus; encodes the prompt table with a re-statement of OpenAI's CLIP BPE).
// Second reference: @huggingface/tokenizers configured exactly like the Hub's CLIP tokenizer.json.

const BOS = golden.bos;
const EOS = golden.eos;
const mergeLines = mergesText.split('\n').filter((l, k) => l !== '' && !(k === 0 && l.startsWith('#version')));

function hfClipTokenizer(added: { token: string; id: number }[] = []): Tokenizer {
  const special = (id: number, content: string) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: true, special: true });
  // transformers 4.33's slow tokenizer matches added tokens on the raw text; in tokenizers that is normalized: false
  const plain = ({ token, id }: { token: string; id: number }) => ({ id, content: token, single_word: false, lstrip: false, rstrip: false, normalized: false, special: false });
  const tokenizerJson = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [special(BOS, '<|startoftext|>'), special(EOS, '<|endoftext|>'), ...added.map(plain)],
    normalizer: { type: 'Sequence', normalizers: [{ type: 'NFC' }, { type: 'Replace', pattern: { Regex: '\\s+' }, content: ' ' }, { type: 'Lowercase' }] },
    pre_tokenizer: {
      type: 'Sequence',
      pretokenizers: [
        {
          type: 'Split',
          pattern: { Regex: "<\\|startoftext\\|>|<\\|endoftext\\|>|'s|'t|'re|'ve|'m|'ll|'d|[\\p{L}]+|[\\p{N}]|[^\\s\\p{L}\\p{N}]+" },
          behavior: 'Removed',
          invert: true,
        },
        { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true },
      ],
    },
    post_processor: { type: 'RobertaProcessing', sep: ['<|endoftext|>', EOS], cls: ['<|startoftext|>', BOS], trim_offsets: false, add_prefix_space: false },
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: '<|endoftext|>',
      continuing_subword_prefix: '',
      end_of_word_suffix: '</w>',
      fuse_unk: false,
      byte_fallback: false,
      vocab,
      merges: mergeLines,
    },
  };
  const tokenizerConfig = {
    bos_token: '<|startoftext|>',
    eos_token: '<|endoftext|>',
    pad_token: '<|endoftext|>',
    unk_token: '<|endoftext|>',
    model_max_length: 77,
    do_lower_case: true,
    tokenizer_class: 'CLIPTokenizer',
  };
  return new Tokenizer(tokenizerJson, tokenizerConfig);
}

const ours = new ClipTokenizer({ vocab, merges: mergesText });
const hf = hfClipTokenizer();

/** Extra prompts compared with the HF reference only (the Python re-statement treats these differently). */
const HF_ONLY = ['a,<|endoftext|>b', '<|startoftext|>Hello<|endoftext|>', 'x<|ENDOFTEXT|>y'];

describe('ClipTokenizer.encode vs the Python CLIP re-statement (golden)', () => {
  for (const c of golden.cases) {
    it(JSON.stringify(c.text.length > 60 ? `${c.text.slice(0, 57)}...` : c.text), () => {
      expect(ours.encode(c.text)).toEqual(c.ids);
    });
  }
});

describe('ClipTokenizer vs @huggingface/tokenizers (CLIP tokenizer.json over the same vocab/merges)', () => {
  it('the reference sees a real vocabulary (sanity)', () => {
    expect(hf.token_to_id('<|endoftext|>')).toBe(EOS);
    expect(hf.encode('a girl is smiling', { add_special_tokens: false }).ids.length).toBeGreaterThan(0);
  });

  for (const text of [...golden.cases.map((c) => c.text), ...HF_ONLY]) {
    it(`encode ${JSON.stringify(text.length > 50 ? `${text.slice(0, 47)}...` : text)}`, () => {
      expect(ours.encode(text)).toEqual(hf.encode(text, { add_special_tokens: false }).ids);
    });
  }

  it('tokenize77 = HF [BOS, ids (≤ 75), EOS] padded with EOS to 77, for every prompt', () => {
    for (const c of golden.cases) {
      const content = hf.encode(c.text, { add_special_tokens: false }).ids.slice(0, 75);
      const expected = [BOS, ...content, EOS];
      while (expected.length < 77) expected.push(EOS);
      expect(Array.from(ours.tokenize77(c.text)), c.text.slice(0, 40)).toEqual(expected);
      // HF's post-processor adds the same BOS/EOS around the content.
      if (content.length < 75) expect(hf.encode(c.text).ids).toEqual([BOS, ...content, EOS]);
    }
  });

  it('BPE symbols match HF tokens', () => {
    const text = '(masterpiece, best quality, highres:1),(1girl, solo:1),(eye blinks:1.8)';
    expect(ours.tokenize(text)).toEqual(hf.tokenize(text));
  });
});

describe('ClipTokenizer details', () => {
  it('normalises and pre-tokenises like CLIP', () => {
    expect(normalizeClipText('  A\u00a0 B\tC\n')).toBe('a b c');
    expect(normalizeClipText('Cafe\u0301')).toBe('café');
    expect(preTokenize("it's 3.14, ok!!")).toEqual(['it', "'s", '3', '.', '1', '4', ',', 'ok', '!!']);
    expect(preTokenize('a<|endoftext|>b')).toEqual(['a', '<|endoftext|>', 'b']);
  });

  it('bytes_to_unicode: printable bytes map to themselves, others to 256+', () => {
    const t = bytesToUnicode();
    expect(t[33]).toBe('!');
    expect(t[0]).toBe('\u0100');
    expect(t[32]).toBe('\u0120'); // space → 'Ġ'
    expect(new Set(t).size).toBe(256);
  });

  it('tokenize77: layout, truncation and custom length', () => {
    const ids = ours.tokenize77('a girl is smiling');
    expect(ids).toBeInstanceOf(Int32Array);
    expect(ids.length).toBe(77);
    const n = ours.encode('a girl is smiling').length;
    expect(ids[0]).toBe(BOS);
    expect(ids[n + 1]).toBe(EOS);
    expect(ids[76]).toBe(ours.padTokenId);
    const long = ours.tokenize77('hello world '.repeat(80));
    expect(long[76]).toBe(EOS);
    expect(Array.from(ours.tokenize77('', { maxLength: 4 }))).toEqual([BOS, EOS, EOS, EOS]);
    const padded = new ClipTokenizer({ vocab, merges: mergesText, padTokenId: 0 });
    expect(Array.from(padded.tokenize77('a', { maxLength: 5 }))).toEqual([BOS, ...padded.encode('a'), EOS, 0, 0]);
  });

  it('accepts merges as pairs and rejects malformed input', () => {
    const pairs = mergeLines.map((l) => l.split(' ') as [string, string]);
    expect(new ClipTokenizer({ vocab, merges: pairs }).encode('the best quality')).toEqual(ours.encode('the best quality'));
    expect(() => new ClipTokenizer({ vocab, merges: '#version: 0.2\na b c\n' })).toThrow(/merges line 2/);
    expect(() => new ClipTokenizer({ vocab: { a: 0 }, merges: '' })).toThrow(/startoftext/);
    expect(() => ours.tokenize77('x', { maxLength: 1 })).toThrow(/maxLength/);
  });
});

describe('ClipTokenizer added tokens (textual inversion, spec §2.3)', () => {
  const ADDED = [
    { token: 'badhandv4', id: 903 },
    { token: 'ng_deepnegative_v1_75t', id: 904 },
    { token: 'EasyNegativeV2', id: 905 },
    { token: 'bad_prompt_version2-neg', id: 906 },
    { token: 'bad', id: 907 }, // a prefix of two others: the longest match wins
  ];
  const ti = new ClipTokenizer({ vocab, merges: mergesText, addedTokens: ADDED });
  const hfTi = hfClipTokenizer(ADDED);
  const TEXTS = [
    'badhandv4, ng_deepnegative_v1_75t, (((multiple heads)))',
    'badhandv4,ng_deepnegative_v1_75t,EasyNegativeV2,bad_prompt_version2-neg,bad quality',
    'xbadhandv4y badhandv4badhandv4',
    'BadHandV4 easynegativev2 EASYNEGATIVEV2',
    'ng_deepnegative_v1_75t_1 bad_prompt bad',
    '  badhandv4\t\nnice  ',
    'a <|endoftext|> badhandv4',
  ];

  it('each TI token is one id, wherever it stands, case-sensitive', () => {
    expect(ti.encode('badhandv4, nice')).toEqual([903, ...ours.encode(', nice')]);
    expect(ti.encode('xbadhandv4y')).toEqual([...ours.encode('x'), 903, ...ours.encode('y')]);
    expect(ti.encode('BadHandV4')).toEqual(ours.encode('BadHandV4'));
    expect(ti.encode('EasyNegativeV2')).toEqual([905]);
    expect(ti.encode('easynegativev2')).toEqual(ours.encode('easynegativev2'));
    expect(ti.encode('bad_prompt_version2-neg bad')).toEqual([906, 907]);
    expect(ti.tokenize('a badhandv4')).toEqual([...ours.tokenize('a'), 'badhandv4']);
    expect(Array.from(ti.tokenize77('badhandv4').slice(0, 3))).toEqual([BOS, 903, EOS]);
    expect(ti.splitAddedTokens('x, badhandv4,y')).toEqual(['x, ', { token: 'badhandv4', id: 903 }, ',y']);
    expect(ours.splitAddedTokens('x, badhandv4,y')).toEqual(['x, badhandv4,y']);
  });

  for (const text of TEXTS) {
    it(`same ids as @huggingface/tokenizers with non-normalized added tokens: ${JSON.stringify(text)}`, () => {
      expect(ti.encode(text)).toEqual(hfTi.encode(text, { add_special_tokens: false }).ids);
    });
  }

  it('rejects empty tokens, bad ids and conflicting duplicates', () => {
    const make = (addedTokens: { token: string; id: number }[]) => () => new ClipTokenizer({ vocab, merges: mergesText, addedTokens });
    expect(make([{ token: '', id: 1 }])).toThrow(/empty/);
    expect(make([{ token: 'x', id: -1 }])).toThrow(/bad id/);
    expect(make([{ token: 'x', id: 5 }, { token: 'x', id: 6 }])).toThrow(/ids 5 and 6/);
    expect(make([{ token: 'x', id: 5 }, { token: 'x', id: 5 }])).not.toThrow();
  });
});
