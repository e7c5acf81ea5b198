// The Cypher editor: CodeMirror 6 with the Cypher mode, history, bracket
// matching, and Ctrl/Cmd+Enter to run. Tab moves focus out (no tab trap).

import { EditorState } from '@codemirror/state';
import { EditorView, drawSelection, highlightActiveLine, keymap, lineNumbers, placeholder } from '@codemirror/view';
import { defaultKeymap, history, historyKeymap } from '@codemirror/commands';
import { bracketMatching, defaultHighlightStyle, syntaxHighlighting } from '@codemirror/language';
import { cypherLanguage } from './cypher-mode';

export function createEditor(parent: HTMLElement, doc: string, onRun: () => void, onChange: (text: string) => void): EditorView {
  const run = () => {
    onRun();
    return true;
  };
  return new EditorView({
    parent,
    state: EditorState.create({
      doc,
      extensions: [
        lineNumbers(),
        history(),
        drawSelection(),
        highlightActiveLine(),
        bracketMatching(),
        cypherLanguage,
        syntaxHighlighting(defaultHighlightStyle),
        EditorView.lineWrapping,
        placeholder('MATCH (u:Auth0User) RETURN u LIMIT 25'),
        keymap.of([{ key: 'Mod-Enter', run, preventDefault: true }, { key: 'Ctrl-Enter', run, preventDefault: true }, ...historyKeymap, ...defaultKeymap]),
        EditorView.contentAttributes.of({ 'aria-label': 'Cypher query (Ctrl+Enter runs it)', 'data-testid': 'cypher-editor' }),
        EditorView.updateListener.of((u) => {
          if (u.docChanged) onChange(u.state.doc.toString());
        }),
      ],
    }),
  });
}

export function setDoc(view: EditorView, text: string): void {
  view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text }, selection: { anchor: text.length } });
}
