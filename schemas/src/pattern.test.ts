import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PatternSyntaxError, SchemaError } from './errors.js';
import { parseStixPattern, patternObjectTypes } from './pattern.js';

/** Patterns of the OASIS STIX 2.1 examples (apt1, poisonivy, indicators-for-C2, malicious e-mail). */
const OASIS_EXAMPLES = [
  "[ipv4-addr:value = '223.166.0.0/15']",
  "[domain-name:value = 'hugesoft.org']",
  "[file:hashes.md5 = '001dd76872d80801692ff942308c64e6']",
  "[x509-certificate:issuer = 'CN=WEBMAIL' AND x509-certificate:serial_number = '4c:0b:1d:19:74:86:a7:66:b4:1a:bf:40:27:21:76:28']",
  "[ ipv4-addr:value = '10.0.0.0' ]",
  "[file:hashes.'SHA-256' = 'ef537f25c895bfa782526529a9b63d97aa631564d5d789c2b765448c8635fb6c']",
  "[email-message:subject MATCHES '^[IMPORTANT] Please Review Before']",
  "[email-message:body_multipart[*].body_raw_ref.name MATCHES '^Final Report.+\\\\.exe$']",
  "[domain-name:value = 'www.webserver.dynssl.com' OR ipv4-addr:value = '113.10.246.30' OR ipv4-addr:value = '219.90.112.203']",
  "[file:name = 'CPiShellPutDoc']",
];

/** More patterns from the STIX 2.1 Patterning specification's examples. */
const SPEC_EXAMPLES = [
  "[url:value = 'http://example.com/foo' OR url:value = 'http://example.com/bar']",
  "[file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f'] AND [ipv4-addr:value = '198.51.100.1/32']",
  "[ipv4-addr:value = '198.51.100.1/32' OR ipv4-addr:value = '203.0.113.33/32' OR ipv6-addr:value = '2001:0db8:dead:beef:dead:beef:dead:0001/128']",
  "[domain-name:value = 'example.com'] FOLLOWEDBY [ipv4-addr:value = '198.51.100.1/32'] WITHIN 300 SECONDS",
  "([file:name = 'foo.dll'] AND [process:name = 'bar.exe']) OR [file:name = 'baz.dll'] REPEATS 5 TIMES WITHIN 1800 SECONDS",
  "[network-traffic:dst_ref.type = 'ipv4-addr' AND network-traffic:dst_ref.value = '203.0.113.33/32']",
  "[network-traffic:extensions.'http-request-ext'.request_method = 'get']",
  "[email-message:from_ref.value MATCHES '.+\\\\@example\\\\.com$' AND email-message:body_multipart[*].body_raw_ref.name = 'x.exe']",
  "[email-message:to_refs[*].value = 'alice@example.com']",
  "[x509-certificate:issuer = 'CN=Example' AND x509-certificate:subject_public_key_exponent < 65537]",
  "[file:size > 1024 AND file:size <= 1048576.5]",
  "[windows-registry-key:key = 'HKEY_LOCAL_MACHINE\\\\System\\\\Foo\\\\Bar'] START t'2016-06-01T00:00:00Z' STOP t'2016-07-01T00:00:00Z'",
  "[ipv4-addr:value ISSUBSET '198.51.100.0/24']",
  "[ipv4-addr:value ISSUPERSET '198.51.100.1/32']",
  "[file:name LIKE 'drone-%.mp4' AND file:size NOT = 0]",
  "[file:name NOT LIKE '%.tmp']",
  "[process:pid IN (1, 2, 3) AND process:name NOT IN ('a', 'b')]",
  "[artifact:payload_bin = b'ZXZpbA==' OR artifact:payload_bin = h'deadbeef']",
  "[x-popart-drone:remote_id.serial = '1581F4XFC23' AND x-popart-drone:airborne = true]",
  "[mac-addr:value = '60:60:1f:a3:5c:21'] REPEATS 3 TIMES",
  "[user-account:account_last_login > t'2024-01-01T00:00:00.000Z']",
  "[file:name = 'it\\'s'] AND ([a-b:c = -1] OR [x-y:z = +2.5])",
  "EXISTS [file:name = 'x']".slice(7),
  "[EXISTS windows-registry-key:values[0].name]",
  "[file:parent_directory_ref.path = 'C:\\\\Windows'] // trailing comment",
];

describe('parseStixPattern accepts valid patterns', () => {
  for (const p of [...OASIS_EXAMPLES, ...SPEC_EXAMPLES]) it(p, () => assert.ok(parseStixPattern(p)));
});

describe('the syntax tree', () => {
  it('has comparison details, decoded strings and paths', () => {
    assert.deepEqual(parseStixPattern("[file:hashes.'SHA-256' = 'it\\'s']"), {
      kind: 'observation',
      comparison: {
        kind: 'comparison',
        path: { objectType: 'file', steps: [{ kind: 'property', name: 'hashes' }, { kind: 'property', name: 'SHA-256' }] },
        operator: '=',
        negated: false,
        value: { kind: 'string', value: "it's" },
      },
    });
  });

  it('parses list indexes, * and extension paths', () => {
    const ast = parseStixPattern("[email-message:to_refs[*].value = 'a' AND network-traffic:extensions.'http-request-ext'.request_header.'User-Agent' != 'x' AND process:args[0] = 'y']");
    assert.equal(ast.kind, 'observation');
    const json = JSON.stringify(ast);
    assert.ok(json.includes('{"kind":"index","index":"*"}'));
    assert.ok(json.includes('{"kind":"property","name":"http-request-ext"}'));
    assert.ok(json.includes('{"kind":"index","index":0}'));
    assert.deepEqual(patternObjectTypes(ast), ['email-message', 'network-traffic', 'process']);
  });

  it('gives AND precedence over OR, and OR over FOLLOWEDBY', () => {
    const ast = parseStixPattern("[a-a:x = 1] OR [b-b:x = 1] AND [c-c:x = 1] FOLLOWEDBY [d-d:x = 1]");
    assert.equal(ast.kind, 'followedby');
    assert.ok(ast.kind === 'followedby' && ast.left.kind === 'or' && ast.left.right.kind === 'and');
    const inner = parseStixPattern("[a-a:x = 1 OR a-a:y = 2 AND a-a:z = 3]");
    assert.ok(inner.kind === 'observation' && inner.comparison.kind === 'or' && inner.comparison.right.kind === 'and');
  });

  it('attaches qualifiers to the observation before them', () => {
    const ast = parseStixPattern("[a-a:x = 1] REPEATS 2 TIMES WITHIN 10.5 SECONDS");
    assert.deepEqual(ast.kind === 'qualified' && ast.qualifier, { kind: 'within', seconds: 10.5 });
    assert.ok(ast.kind === 'qualified' && ast.expression.kind === 'qualified' && ast.expression.qualifier.kind === 'repeats');
  });

  it('decodes literals', () => {
    const ast = parseStixPattern("[a-a:x IN (1, -2, 3.5, true, 'z', t'2024-01-01T00:00:00Z', h'0a', b'AA==')]");
    assert.ok(ast.kind === 'observation' && ast.comparison.kind === 'comparison');
    assert.deepEqual(ast.comparison.kind === 'comparison' && ast.comparison.value, {
      kind: 'set',
      values: [
        { kind: 'int', value: 1 }, { kind: 'int', value: -2 }, { kind: 'float', value: 3.5 }, { kind: 'bool', value: true },
        { kind: 'string', value: 'z' }, { kind: 'timestamp', value: '2024-01-01T00:00:00Z' }, { kind: 'hex', value: '0a' },
        { kind: 'binary', value: 'AA==' },
      ],
    });
  });
});

describe('parseStixPattern rejects invalid patterns with the position', () => {
  const cases: [string, number, RegExp][] = [
    ['', 0, /expected \[ or \(/],
    ["ipv4-addr:value = '1.2.3.4'", 0, /expected \[ or \(/],
    ["[ipv4-addr:value = '1.2.3.4'", 28, /expected \]/],
    ["[ipv4-addr:value = '1.2.3.4]", 19, /unterminated string literal/],
    ["[ipv4-addr:value == ]", 20, /expected a literal value/],
    ["[ipv4-addr:value '1.2.3.4']", 17, /comparison operator/],
    ["[ipv4-addr value = '1']", 11, /expected : after the object type/],
    ["[IPV4:value = '1']", 1, /not a valid object type/],
    ["[file:hashes.SHA-256 = 'x']", 13, /quote names with hyphens/],
    ["[file:name = 'a'] AND", 21, /expected \[ or \(/],
    ["[file:name = 'a'] WITHIN 0 SECONDS", 25, /positive number of seconds/],
    ["[file:name = 'a'] WITHIN 5 MINUTES", 27, /expected SECONDS/],
    ["[file:name = 'a'] REPEATS 2.5 TIMES", 26, /positive integer/],
    ["[file:name = 'a'] START t'2024-02-01T00:00:00Z' STOP t'2024-01-01T00:00:00Z'", 53, /STOP .* must be later than START/],
    ["[file:name = 'a'] START '2024-02-01T00:00:00Z'", 24, /timestamp literal/],
    ["[file:ctime = t'2024-13-01T00:00:00Z']", 14, /not a valid date/],
    ["[file:ctime = t'yesterday']", 14, /invalid timestamp literal/],
    ["[file:name LIKE 5]", 16, /LIKE needs a string literal/],
    ["[file:size > true]", 13, /orderable literal/],
    ["[file:name IN 'a']", 14, /\( to start a list/],
    ["[file:name IN ('a' 'b')]", 19, /, or \) in the list/],
    ["[file:name = 'a\\n']", 15, /invalid escape/],
    ["[file:x = h'abc']", 10, /invalid hex literal/],
    ["[file:x = b'a*']", 10, /invalid base64 literal/],
    ["[file:x = 007]", 10, /leading zeros/],
    ["[file:name = 'a'] [file:name = 'b']", 18, /expected AND, OR, FOLLOWEDBY/],
    ["[file:name = 'a'] and [file:name = 'b']", 18, /expected AND, OR, FOLLOWEDBY/],
    ["[file:name = 'a' & file:size = 1]", 17, /unexpected character "&"/],
    ["[file:args[x] = 'a']", 11, /list index or \*/],
    ["[file:name LIKE 'drone-%.mp4' AND NOT file:size = 0]", 34, /expected an object type/],
    ["/* open comment [file:name = 'a']", 0, /unterminated comment/],
  ];
  for (const [pattern, position, reason] of cases) {
    it(`${JSON.stringify(pattern)} → position ${position}`, () => {
      assert.throws(() => parseStixPattern(pattern), (err: unknown) => {
        assert.ok(err instanceof PatternSyntaxError && err instanceof SchemaError);
        assert.equal(err.position, position, err.message);
        assert.match(err.message, reason);
        assert.match(err.message, new RegExp(`at position ${position}$`));
        return true;
      });
    });
  }
});
