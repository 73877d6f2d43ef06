// JSON.parse that also remembers the source text of every object and array (`sourceOf(value)`), so that the
// JSON-path tests hand the core the vector's own text: numbers such as 9007199254740993 keep every digit there,
// while a JavaScript number cannot hold them.
const SOURCE = new WeakMap();

export function sourceOf(value) {
  return SOURCE.get(value) ?? JSON.stringify(value);
}

export function parseWithSource(text) {
  let i = 0;
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i])) i++;
  };
  const fail = (what) => {
    throw new SyntaxError(`${what} at ${i}`);
  };
  function value() {
    ws();
    const start = i;
    const c = text[i];
    if (c === '{') {
      i++;
      const obj = {};
      ws();
      if (text[i] === '}') i++;
      else {
        for (;;) {
          ws();
          const key = string();
          ws();
          if (text[i++] !== ':') fail('expected :');
          // Own data properties, as JSON.parse makes them (a "__proto__" key stays data).
          Object.defineProperty(obj, key, { value: value(), writable: true, enumerable: true, configurable: true });
          ws();
          if (text[i] === ',') i++;
          else if (text[i] === '}') { i++; break; }
          else fail('expected , or }');
        }
      }
      SOURCE.set(obj, text.slice(start, i));
      return obj;
    }
    if (c === '[') {
      i++;
      const arr = [];
      ws();
      if (text[i] === ']') i++;
      else {
        for (;;) {
          arr.push(value());
          ws();
          if (text[i] === ',') i++;
          else if (text[i] === ']') { i++; break; }
          else fail('expected , or ]');
        }
      }
      SOURCE.set(arr, text.slice(start, i));
      return arr;
    }
    if (c === '"') return string();
    const m = /^(?:-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null)/.exec(text.slice(i, i + 400));
    if (!m) fail('unexpected character');
    i += m[0].length;
    return JSON.parse(m[0]);
  }
  function string() {
    if (text[i] !== '"') fail('expected a string');
    const start = i++;
    while (text[i] !== '"') {
      if (i >= text.length) fail('unterminated string');
      i += text[i] === '\\' ? 2 : 1;
    }
    i++;
    return JSON.parse(text.slice(start, i));
  }
  const v = value();
  ws();
  if (i !== text.length) fail('trailing text');
  return v;
}
