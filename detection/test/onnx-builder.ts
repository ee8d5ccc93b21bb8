/**
 * A minimal ONNX model writer for tests: just enough protobuf (varints, length-delimited fields, packed floats) to build
 * a graph whose output is a fixed tensor, so a detector adapter can be tested on a real onnxruntime session with known
 * outputs. Field numbers from onnx.proto (ModelProto, GraphProto, NodeProto, AttributeProto, TensorProto,
 * ValueInfoProto, TypeProto).
 */
class Writer {
  private readonly parts: Buffer[] = [];

  private varint(n: number | bigint): void {
    let v = BigInt(n);
    if (v < 0n) v += 1n << 64n;
    const bytes: number[] = [];
    do {
      let b = Number(v & 0x7fn);
      v >>= 7n;
      if (v) b |= 0x80;
      bytes.push(b);
    } while (v);
    this.parts.push(Buffer.from(bytes));
  }

  int(field: number, n: number): this {
    this.varint((field << 3) | 0);
    this.varint(n);
    return this;
  }

  bytes(field: number, data: Uint8Array): this {
    this.varint((field << 3) | 2);
    this.varint(data.length);
    this.parts.push(Buffer.from(data));
    return this;
  }

  string(field: number, s: string): this {
    return this.bytes(field, Buffer.from(s, 'utf8'));
  }

  message(field: number, w: Writer): this {
    return this.bytes(field, w.finish());
  }

  float(field: number, v: number): this {
    this.varint((field << 3) | 5);
    const b = Buffer.alloc(4);
    b.writeFloatLE(v);
    this.parts.push(b);
    return this;
  }

  finish(): Buffer {
    return Buffer.concat(this.parts);
  }
}

const FLOAT = 1;

function tensor(name: string, dims: number[], values: Float32Array): Writer {
  const t = new Writer();
  for (const d of dims) t.int(1, d);
  t.int(2, FLOAT);
  t.string(8, name);
  t.bytes(9, new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
  return t;
}

function valueInfo(name: string, dims: (number | string)[]): Writer {
  const shape = new Writer();
  for (const d of dims) shape.message(1, typeof d === 'number' ? new Writer().int(1, d) : new Writer().string(2, d));
  const tensorType = new Writer().int(1, FLOAT).message(2, shape);
  return new Writer().string(1, name).message(2, new Writer().message(1, tensorType));
}

function node(op: string, inputs: string[], outputs: string[], attributes: Writer[] = []): Writer {
  const n = new Writer();
  for (const i of inputs) n.string(1, i);
  for (const o of outputs) n.string(2, o);
  n.string(3, `${op}_${outputs[0]}`);
  n.string(4, op);
  for (const a of attributes) n.message(5, a);
  return n;
}

const tensorAttribute = (name: string, t: Writer): Writer => new Writer().string(1, name).message(5, t).int(20, 4);
const intAttribute = (name: string, v: number): Writer => new Writer().string(1, name).int(3, v).int(20, 2);

export interface FixedOutputModel {
  inputName?: string;
  /** Input dims, e.g. [1, 3, 64, 64] (strings for dynamic dims). */
  inputDims: (number | string)[];
  outputName?: string;
  outputDims: number[];
  output: Float32Array;
}

/**
 * An ONNX model (opset 13) with one image input and one output equal to `output` whatever the input:
 * output = Constant(output) + 0 · ReduceMean(input) (the input is consumed, so the graph is a normal detector graph).
 */
export function buildFixedOutputModel(m: FixedOutputModel): Buffer {
  const input = m.inputName ?? 'images';
  const output = m.outputName ?? 'output0';
  if (m.output.length !== m.outputDims.reduce((a, b) => a * b, 1)) throw new RangeError('output length does not match outputDims');
  const graph = new Writer()
    .message(1, node('Constant', [], ['fixed'], [tensorAttribute('value', tensor('fixed_value', m.outputDims, m.output))]))
    .message(1, node('Constant', [], ['zero'], [tensorAttribute('value', tensor('zero_value', [], new Float32Array([0])))]))
    .message(1, node('ReduceMean', [input], ['mean'], [intAttribute('keepdims', 0)]))
    .message(1, node('Mul', ['mean', 'zero'], ['nothing']))
    .message(1, node('Add', ['fixed', 'nothing'], [output]))
    .string(2, 'fixed_output_detector')
    .message(11, valueInfo(input, m.inputDims))
    .message(12, valueInfo(output, m.outputDims));
  return new Writer()
    .int(1, 8) // ir_version
    .string(2, 'popart-tests')
    .message(7, graph)
    .message(8, new Writer().string(1, '').int(2, 13))
    .finish();
}

/**
 * YOLOv8-style output [1, 4 + nc, n] from candidates given as {cx, cy, w, h, scores[]} in model pixels; unused
 * candidates score 0.
 */
export function yoloBoxesFirst(n: number, nc: number, candidates: { cx: number; cy: number; w: number; h: number; scores: number[] }[]): Float32Array {
  const out = new Float32Array((4 + nc) * n);
  candidates.forEach((c, j) => {
    out[j] = c.cx;
    out[n + j] = c.cy;
    out[2 * n + j] = c.w;
    out[3 * n + j] = c.h;
    c.scores.forEach((s, k) => { out[(4 + k) * n + j] = s; });
  });
  return out;
}

/** YOLOv5-style output [1, n, 5 + nc]: cx, cy, w, h, objectness, class scores. */
export function yoloAnchorsFirst(n: number, nc: number, candidates: { cx: number; cy: number; w: number; h: number; objectness: number; scores: number[] }[]): Float32Array {
  const width = 5 + nc;
  const out = new Float32Array(n * width);
  candidates.forEach((c, j) => {
    out.set([c.cx, c.cy, c.w, c.h, c.objectness, ...c.scores], j * width);
  });
  return out;
}
