// CodeMirror 5 (Debian's libjs-codemirror, served under vendor/) over a textarea, for the query
// console and the rule form. Without the package the textarea stays and works as plain text.

import { loadScript } from './charts.js';
import { h } from './ui.js';

const CM = 'vendor/codemirror/lib/codemirror.js';
const CM_CSS = 'vendor/codemirror/lib/codemirror.css';
const MODES = { sql: 'vendor/codemirror/mode/sql/sql.js', javascript: 'vendor/codemirror/mode/javascript/javascript.js' };

let loading = null;

/** Loads a style sheet; resolves true once applied, false when missing. */
function loadStyle(href) {
  return new Promise((resolve) => {
    const link = h('link', { rel: 'stylesheet', href });
    link.addEventListener('load', () => resolve(true));
    link.addEventListener('error', () => { link.remove(); resolve(false); });
    document.head.append(link);
  });
}

/** Resolves to window.CodeMirror with its SQL and JavaScript (JSON) modes, or null when missing. */
export function loadCodeMirror() {
  if (!loading) {
    loading = (async () => {
      try {
        // The style sheet first: CodeMirror measures its layout when it is created.
        if (!(await loadStyle(CM_CSS))) return null;
        await loadScript(CM);
        await loadScript(MODES.sql);
        // The JSON mode is optional: without it JSON is edited as plain text inside CodeMirror.
        await loadScript(MODES.javascript).catch(() => null);
      } catch {
        return null;
      }
      return window.CodeMirror ?? null;
    })();
  }
  return loading;
}

/**
 * An editor over `textarea`: {get(), set(text), focusAt(line, column), codeMirror}. With CodeMirror
 * missing, get/set use the textarea and codeMirror is null.
 * mode: 'text/x-sqlite' (analytics SQL), 'text/x-sql' (rule SQL), 'application/json'.
 */
export async function editorOver(textarea, mode, { minLines = 0 } = {}) {
  const CodeMirror = await loadCodeMirror();
  if (!CodeMirror) {
    return {
      codeMirror: null,
      get: () => textarea.value,
      set: (text) => { textarea.value = text; },
      focusAt: (line, column) => {
        const lines = textarea.value.split('\n');
        let offset = 0;
        for (let i = 0; i < Math.min(line - 1, lines.length); i++) offset += lines[i].length + 1;
        offset += Math.max(0, column - 1);
        textarea.focus();
        textarea.setSelectionRange(offset, offset);
      },
    };
  }
  const cm = CodeMirror.fromTextArea(textarea, { mode, lineNumbers: true, viewportMargin: Infinity, indentUnit: 2 });
  if (minLines) cm.getWrapperElement().style.minHeight = `${minLines * 1.5}em`;
  cm.refresh();
  return {
    codeMirror: cm,
    get: () => cm.getValue(),
    set: (text) => { cm.setValue(text); cm.refresh(); },
    focusAt: (line, column) => { cm.focus(); cm.setCursor({ line: line - 1, ch: Math.max(0, column - 1) }); },
  };
}
