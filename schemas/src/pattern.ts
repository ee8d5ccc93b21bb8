/**
 * A parser for the STIX 2.1 Patterning language. `parseStixPattern` returns the syntax tree or throws
 * {@link PatternSyntaxError} (a SchemaError) naming the 0-based character position of the problem.
 *
 * Precedence, loosest first: FOLLOWEDBY, OR, AND between observation expressions; OR, AND inside brackets.
 * Qualifiers (WITHIN, REPEATS, START/STOP) bind to the observation expression before them.
 */
import { isTimestamp, compareTimestamps } from './checker.js';
import { PatternSyntaxError } from './errors.js';
import { tokenize, type Token, type TokenKind } from './pattern-lexer.js';

export type PatternLiteral =
  | { kind: 'string'; value: string }
  | { kind: 'int'; value: number }
  | { kind: 'float'; value: number }
  | { kind: 'bool'; value: boolean }
  | { kind: 'timestamp'; value: string }
  | { kind: 'hex'; value: string }
  | { kind: 'binary'; value: string }
  | { kind: 'set'; values: PatternLiteral[] };

export type PathStep = { kind: 'property'; name: string } | { kind: 'index'; index: number | '*' };

export interface ObjectPath {
  objectType: string;
  steps: PathStep[];
}

export type ComparisonOperator = '=' | '!=' | '>' | '<' | '>=' | '<=' | 'IN' | 'LIKE' | 'MATCHES' | 'ISSUBSET' | 'ISSUPERSET';

export type ComparisonExpression =
  | { kind: 'comparison'; path: ObjectPath; operator: ComparisonOperator; negated: boolean; value: PatternLiteral }
  | { kind: 'exists'; path: ObjectPath }
  | { kind: 'and' | 'or'; left: ComparisonExpression; right: ComparisonExpression };

export type Qualifier =
  | { kind: 'within'; seconds: number }
  | { kind: 'repeats'; times: number }
  | { kind: 'start-stop'; start: string; stop: string };

export type ObservationExpression =
  | { kind: 'observation'; comparison: ComparisonExpression }
  | { kind: 'qualified'; expression: ObservationExpression; qualifier: Qualifier }
  | { kind: 'and' | 'or' | 'followedby'; left: ObservationExpression; right: ObservationExpression };

export type PatternAst = ObservationExpression;

const OBJECT_TYPE_RE = /^[a-z][a-z0-9-]*[a-z0-9]$/;

function describeToken(t: Token): string {
  switch (t.kind) {
    case 'eof': return 'end of pattern';
    case 'string': return `string '${t.text}'`;
    case 'identifier': return `"${t.text}"`;
    case 'keyword': case 'op': return t.text;
    case 'int': case 'float': case 'bool': return t.text;
    case 'timestamp': return `t'${t.text}'`;
    case 'hex': return `h'${t.text}'`;
    case 'binary': return `b'${t.text}'`;
    default: return `"${t.text}"`;
  }
}

class Parser {
  private i = 0;

  constructor(private readonly tokens: Token[]) {}

  private peek(): Token {
    return this.tokens[this.i] as Token;
  }

  private next(): Token {
    const t = this.peek();
    if (t.kind !== 'eof') this.i++;
    return t;
  }

  private isKeyword(word: string): boolean {
    const t = this.peek();
    return t.kind === 'keyword' && t.text === word;
  }

  private fail(expected: string, t: Token = this.peek()): never {
    throw new PatternSyntaxError(`expected ${expected}, found ${describeToken(t)}`, t.pos);
  }

  private expect(kind: TokenKind, what: string): Token {
    const t = this.peek();
    if (t.kind !== kind) this.fail(what);
    return this.next();
  }

  private expectKeyword(word: string): Token {
    if (!this.isKeyword(word)) this.fail(word);
    return this.next();
  }

  parse(): PatternAst {
    const ast = this.observationExpressions();
    const t = this.peek();
    if (t.kind !== 'eof') this.fail('AND, OR, FOLLOWEDBY, a qualifier or the end of the pattern');
    return ast;
  }

  private observationExpressions(): ObservationExpression {
    let left = this.observationOr();
    while (this.isKeyword('FOLLOWEDBY')) {
      this.next();
      left = { kind: 'followedby', left, right: this.observationOr() };
    }
    return left;
  }

  private observationOr(): ObservationExpression {
    let left = this.observationAnd();
    while (this.isKeyword('OR')) {
      this.next();
      left = { kind: 'or', left, right: this.observationAnd() };
    }
    return left;
  }

  private observationAnd(): ObservationExpression {
    let left = this.qualifiedObservation();
    while (this.isKeyword('AND')) {
      this.next();
      left = { kind: 'and', left, right: this.qualifiedObservation() };
    }
    return left;
  }

  private qualifiedObservation(): ObservationExpression {
    let expr = this.observation();
    for (;;) {
      if (this.isKeyword('WITHIN')) {
        this.next();
        const t = this.peek();
        if ((t.kind !== 'int' && t.kind !== 'float') || t.text.startsWith('-') || Number(t.text) <= 0) this.fail('a positive number of seconds');
        this.next();
        this.expectKeyword('SECONDS');
        expr = { kind: 'qualified', expression: expr, qualifier: { kind: 'within', seconds: Number(t.text) } };
      } else if (this.isKeyword('REPEATS')) {
        this.next();
        const t = this.peek();
        if (t.kind !== 'int' || t.text.startsWith('-') || Number(t.text) <= 0) this.fail('a positive integer');
        this.next();
        this.expectKeyword('TIMES');
        expr = { kind: 'qualified', expression: expr, qualifier: { kind: 'repeats', times: Number(t.text) } };
      } else if (this.isKeyword('START')) {
        this.next();
        const start = this.timestamp();
        this.expectKeyword('STOP');
        const stopTok = this.peek();
        const stop = this.timestamp();
        if (compareTimestamps(stop, start) <= 0) throw new PatternSyntaxError(`STOP t'${stop}' must be later than START t'${start}'`, stopTok.pos);
        expr = { kind: 'qualified', expression: expr, qualifier: { kind: 'start-stop', start, stop } };
      } else {
        return expr;
      }
    }
  }

  private timestamp(): string {
    const t = this.peek();
    if (t.kind !== 'timestamp') this.fail("a timestamp literal t'…'");
    if (!isTimestamp(t.text)) throw new PatternSyntaxError(`t'${t.text}' is not a valid date and time`, t.pos);
    this.next();
    return t.text;
  }

  private observation(): ObservationExpression {
    const t = this.peek();
    if (t.kind === '[') {
      this.next();
      const comparison = this.comparisonOr();
      this.expect(']', ']');
      return { kind: 'observation', comparison };
    }
    if (t.kind === '(') {
      this.next();
      const inner = this.observationExpressions();
      this.expect(')', ')');
      return inner;
    }
    return this.fail('[ or (');
  }

  private comparisonOr(): ComparisonExpression {
    let left = this.comparisonAnd();
    while (this.isKeyword('OR')) {
      this.next();
      left = { kind: 'or', left, right: this.comparisonAnd() };
    }
    return left;
  }

  private comparisonAnd(): ComparisonExpression {
    let left = this.propTest();
    while (this.isKeyword('AND')) {
      this.next();
      left = { kind: 'and', left, right: this.propTest() };
    }
    return left;
  }

  private propTest(): ComparisonExpression {
    const t = this.peek();
    if (t.kind === '(') {
      this.next();
      const inner = this.comparisonOr();
      this.expect(')', ')');
      return inner;
    }
    if (this.isKeyword('EXISTS')) {
      this.next();
      return { kind: 'exists', path: this.objectPath() };
    }
    const path = this.objectPath();
    let negated = false;
    if (this.isKeyword('NOT')) {
      this.next();
      negated = true;
    }
    const opTok = this.peek();
    let operator: ComparisonOperator;
    if (opTok.kind === 'op') operator = opTok.text as ComparisonOperator;
    else if (opTok.kind === 'keyword' && ['IN', 'LIKE', 'MATCHES', 'ISSUBSET', 'ISSUPERSET'].includes(opTok.text)) operator = opTok.text as ComparisonOperator;
    else return this.fail('a comparison operator (=, !=, <, >, <=, >=, IN, LIKE, MATCHES, ISSUBSET, ISSUPERSET)');
    this.next();
    const valueTok = this.peek();
    const value = operator === 'IN' ? this.setLiteral() : this.literal();
    if (['LIKE', 'MATCHES', 'ISSUBSET', 'ISSUPERSET'].includes(operator) && value.kind !== 'string') {
      throw new PatternSyntaxError(`${operator} needs a string literal`, valueTok.pos);
    }
    if (['<', '>', '<=', '>='].includes(operator) && value.kind === 'bool') {
      throw new PatternSyntaxError(`${operator} needs an orderable literal, not a boolean`, valueTok.pos);
    }
    return { kind: 'comparison', path, operator, negated, value };
  }

  private objectPath(): ObjectPath {
    const typeTok = this.peek();
    if (typeTok.kind !== 'identifier') this.fail('an object type such as ipv4-addr');
    if (!OBJECT_TYPE_RE.test(typeTok.text)) throw new PatternSyntaxError(`"${typeTok.text}" is not a valid object type`, typeTok.pos);
    this.next();
    this.expect(':', ': after the object type');
    const steps: PathStep[] = [this.propertyName()];
    for (;;) {
      const t = this.peek();
      if (t.kind === '.') {
        this.next();
        steps.push(this.propertyName());
      } else if (t.kind === '[') {
        this.next();
        const idx = this.peek();
        if (idx.kind === '*') steps.push({ kind: 'index', index: '*' });
        else if (idx.kind === 'int') steps.push({ kind: 'index', index: Number(idx.text) });
        else this.fail('a list index or *');
        this.next();
        this.expect(']', ']');
      } else {
        return { objectType: typeTok.text, steps };
      }
    }
  }

  private propertyName(): PathStep {
    const t = this.peek();
    if (t.kind === 'string') {
      this.next();
      return { kind: 'property', name: t.text };
    }
    if (t.kind === 'identifier' && !t.text.includes('-')) {
      this.next();
      return { kind: 'property', name: t.text };
    }
    return this.fail("a property name (quote names with hyphens: hashes.'SHA-256')");
  }

  private setLiteral(): PatternLiteral {
    this.expect('(', '( to start a list');
    const values: PatternLiteral[] = [];
    if (this.peek().kind !== ')') {
      values.push(this.literal());
      while (this.peek().kind === ',') {
        this.next();
        values.push(this.literal());
      }
    }
    this.expect(')', ', or ) in the list');
    return { kind: 'set', values };
  }

  private literal(): PatternLiteral {
    const t = this.peek();
    switch (t.kind) {
      case 'string': this.next(); return { kind: 'string', value: t.text };
      case 'int': this.next(); return { kind: 'int', value: Number(t.text) };
      case 'float': this.next(); return { kind: 'float', value: Number(t.text) };
      case 'bool': this.next(); return { kind: 'bool', value: t.text === 'true' };
      case 'timestamp': return { kind: 'timestamp', value: this.timestamp() };
      case 'hex': this.next(); return { kind: 'hex', value: t.text };
      case 'binary': this.next(); return { kind: 'binary', value: t.text };
      default: return this.fail('a literal value');
    }
  }
}

/** Parses a STIX 2.1 pattern; throws PatternSyntaxError (a SchemaError) with the position on error. */
export function parseStixPattern(pattern: string): PatternAst {
  return new Parser(tokenize(pattern)).parse();
}

/** Object types a pattern refers to, in order of first mention. */
export function patternObjectTypes(ast: PatternAst): string[] {
  const seen: string[] = [];
  const cmp = (c: ComparisonExpression): void => {
    if (c.kind === 'comparison' || c.kind === 'exists') {
      if (!seen.includes(c.path.objectType)) seen.push(c.path.objectType);
    } else {
      cmp(c.left);
      cmp(c.right);
    }
  };
  const obs = (o: ObservationExpression): void => {
    if (o.kind === 'observation') cmp(o.comparison);
    else if (o.kind === 'qualified') obs(o.expression);
    else if (o.kind === 'and' || o.kind === 'or' || o.kind === 'followedby') {
      obs(o.left);
      obs(o.right);
    }
  };
  obs(ast);
  return seen;
}
