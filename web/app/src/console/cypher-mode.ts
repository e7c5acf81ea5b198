// A small CodeMirror stream mode for Cypher: keywords, functions, labels
// and relationship types, parameters, strings, numbers and comments.

import { StreamLanguage, type StreamParser } from '@codemirror/language';

const KEYWORDS = new Set(
  `all and any as asc ascending by call case collect contains count create delete desc descending detach distinct
  else end ends exists explain false foreach in is limit load csv match merge none not null on optional or order
  profile reduce remove return set single skip starts then true union unwind use when where with xor yield
  shortestpath allshortestpaths transactions of rows show`
    .split(/\s+/)
    .filter(Boolean),
);

interface State {
  inComment: boolean;
  afterColon: boolean;
}

const parser: StreamParser<State> = {
  name: 'cypher',
  startState: () => ({ inComment: false, afterColon: false }),
  token(stream, state) {
    if (state.inComment) {
      if (stream.skipTo('*/')) {
        stream.next();
        stream.next();
        state.inComment = false;
      } else {
        stream.skipToEnd();
      }
      return 'comment';
    }
    if (stream.eatSpace()) return null;
    if (stream.match('//')) {
      stream.skipToEnd();
      return 'comment';
    }
    if (stream.match('/*')) {
      state.inComment = true;
      return 'comment';
    }
    const ch = stream.peek();
    if (ch === '"' || ch === "'") {
      const q = stream.next();
      let escaped = false;
      let c: string | void;
      while ((c = stream.next()) != null) {
        if (c === q && !escaped) break;
        escaped = !escaped && c === '\\';
      }
      return 'string';
    }
    if (ch === '`') {
      stream.next();
      stream.skipTo('`');
      stream.next();
      const wasColon = state.afterColon;
      state.afterColon = false;
      return wasColon ? 'type' : 'variable';
    }
    if (stream.match(/^\$[A-Za-z_][\w]*/)) return 'variable-2';
    if (stream.match(/^-?\d+(\.\d+)?([eE][-+]?\d+)?/)) return 'number';
    if (ch === ':') {
      stream.next();
      state.afterColon = true;
      return 'punctuation';
    }
    if (stream.match(/^[A-Za-z_][\w]*/)) {
      const word = stream.current();
      if (state.afterColon) {
        state.afterColon = false;
        return 'type';
      }
      if (KEYWORDS.has(word.toLowerCase())) return 'keyword';
      if (stream.peek() === '(') return 'builtin';
      return 'variable';
    }
    state.afterColon = false;
    if (stream.match(/^(<>|<=|>=|=~|->|<-|[-+*/%=<>^|])/)) return 'operator';
    stream.next();
    return 'bracket';
  },
  languageData: { commentTokens: { line: '//', block: { open: '/*', close: '*/' } } },
};

export const cypherLanguage = StreamLanguage.define(parser);
