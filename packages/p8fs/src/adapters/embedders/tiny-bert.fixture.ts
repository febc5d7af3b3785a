// Test fixture generator, used only by transformers.test.ts: writes a tiny but valid BERT-style
// model folder (config, WordPiece tokenizer, ONNX graph) so the transformers.js provider can be
// exercised for real without downloading weights. No Python or ONNX tooling is needed: the
// ONNX protobuf is encoded by hand below.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

type Bytes = number[];

const varint = (n: number): Bytes => {
  const out: Bytes = [];
  let v = n;
  do {
    let b = v % 128;
    v = Math.floor(v / 128);
    if (v > 0) b |= 0x80;
    out.push(b);
  } while (v > 0);
  return out;
};
const int = (field: number, n: number): Bytes => [...varint(field * 8), ...varint(n)];
const bytes = (field: number, b: Bytes | Uint8Array): Bytes => [...varint(field * 8 + 2), ...varint(b.length), ...b];
const str = (field: number, s: string): Bytes => bytes(field, [...Buffer.from(s, 'utf8')]);
const msg = (field: number, ...parts: Bytes[]): Bytes => bytes(field, parts.flat());

const INT64 = 7;
const FLOAT = 1;

/** ValueInfoProto: a named tensor of an element type and shape (symbolic names or sizes). */
function valueInfo(field: number, name: string, elemType: number, dims: (string | number)[]): Bytes {
  const shape = dims.map((d) => msg(1, typeof d === 'number' ? int(1, d) : str(2, d)));
  return msg(field, str(1, name), msg(2, msg(1, int(1, elemType), msg(2, ...shape))));
}

/**
 * A one-node ONNX model: last_hidden_state = Gather(table, input_ids). Mean pooling over tokens then
 * behaves like a bag of word vectors, enough to test shapes, pooling, normalisation and ordering.
 */
export function tinyBertOnnx(vocabSize: number, hidden: number, seed = 1): Uint8Array {
  const table = new Float32Array(vocabSize * hidden);
  let s = seed;
  for (let i = 0; i < table.length; i++) {
    s = (s * 1103515245 + 12345) % 2147483648;
    table[i] = s / 2147483648 - 0.5;
  }
  const initializer = msg(5, int(1, vocabSize), int(1, hidden), int(2, FLOAT), str(8, 'table'), bytes(9, new Uint8Array(table.buffer)));
  const gather = msg(1, str(1, 'table'), str(1, 'input_ids'), str(2, 'last_hidden_state'), str(3, 'gather'), str(4, 'Gather'));
  const graph = msg(
    7,
    gather,
    str(2, 'tiny-bert'),
    initializer,
    valueInfo(11, 'input_ids', INT64, ['batch', 'sequence']),
    valueInfo(11, 'attention_mask', INT64, ['batch', 'sequence']),
    valueInfo(12, 'last_hidden_state', FLOAT, ['batch', 'sequence', hidden]),
  );
  const opset = msg(8, str(1, ''), int(2, 13));
  return Uint8Array.from([...int(1, 8), ...str(2, 'p8fs-test'), ...graph, ...opset]);
}

const SPECIAL = ['[PAD]', '[UNK]', '[CLS]', '[SEP]'];

function tokenizerJson(vocab: string[]): object {
  const special = (t: string) => ({ id: t, type_id: 0 });
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: SPECIAL.map((content, id) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true })),
    normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ SpecialToken: special('[CLS]') }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: special('[SEP]') }],
      pair: [],
      special_tokens: { '[CLS]': { id: '[CLS]', ids: [2], tokens: ['[CLS]'] }, '[SEP]': { id: '[SEP]', ids: [3], tokens: ['[SEP]'] } },
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: {
      type: 'WordPiece',
      unk_token: '[UNK]',
      continuing_subword_prefix: '##',
      max_input_chars_per_word: 100,
      vocab: Object.fromEntries(vocab.map((w, i) => [w, i])),
    },
  };
}

/** Write `<modelDir>/<name>/{config.json,tokenizer.json,tokenizer_config.json,onnx/model.onnx}`. */
export async function writeTinyBert(modelDir: string, name: string, words: string[], hidden = 16): Promise<string> {
  const vocab = [...SPECIAL, ...new Set(words.map((w) => w.toLowerCase()))];
  const folder = join(modelDir, name);
  await mkdir(join(folder, 'onnx'), { recursive: true });
  const json = (file: string, value: object) => writeFile(join(folder, file), JSON.stringify(value));
  await json('config.json', { model_type: 'bert', architectures: ['BertModel'], hidden_size: hidden, vocab_size: vocab.length });
  await json('tokenizer_config.json', {
    tokenizer_class: 'BertTokenizer',
    do_lower_case: true,
    model_max_length: 128,
    ...Object.fromEntries(['pad', 'unk', 'cls', 'sep'].map((k, i) => [`${k}_token`, SPECIAL[i]])),
  });
  await json('tokenizer.json', tokenizerJson(vocab));
  await writeFile(join(folder, 'onnx', 'model.onnx'), tinyBertOnnx(vocab.length, hidden));
  return folder;
}
