/** How to find top-level declarations in one family of languages. */
export interface LanguageFamily {
  /** A declaration at column 0; group 1 is its name. */
  declarations: readonly RegExp[];
  /** Lines that belong to the declaration below them: doc comments, decorators, attributes. */
  attached: RegExp;
  /** Column-0 lines that look like declarations but are not (CommonJS requires, shebangs). */
  ignore?: RegExp;
}

/** A source language: its code-fence tag and its family's declaration rules. */
export interface Language {
  name: string;
  family: LanguageFamily;
}

const C_COMMENT = /^\s*(?:\/\/|\/\*|\*)/;

const JS: LanguageFamily = {
  declarations: [
    /^(?:export\s+(?:default\s+)?)?(?:declare\s+)?(?:async\s+)?(?:abstract\s+)?(?:function\*?|class|interface|type|enum|namespace|module|const|let|var)\s+([A-Za-z_$][\w$]*)/,
    /^export\s+default\s+(?:async\s+)?(?:function|class)?\s*(?=[({]|$)()/,
  ],
  attached: /^\s*(?:\/\/|\/\*|\*|@)/,
  ignore: /\brequire\s*\(/,
};
const PYTHON: LanguageFamily = { declarations: [/^(?:async\s+)?(?:def|class)\s+([A-Za-z_]\w*)/], attached: /^(?:#(?!!)|@)/ };
const GO: LanguageFamily = {
  declarations: [/^func\s+(?:\([^)]*\)\s*)?([A-Za-z_]\w*)/, /^(?:type|var|const)\s+([A-Za-z_]\w*)/],
  attached: C_COMMENT,
};
const RUST: LanguageFamily = {
  declarations: [
    /^(?:pub(?:\([^)]*\))?\s+)?(?:(?:async|const|unsafe|extern\s+"[^"]*")\s+)*(?:fn|struct|enum|trait|mod|type|union|static|const)\s+([A-Za-z_]\w*)/,
    /^(?:unsafe\s+)?(impl\b[^{]*?)\s*(?:\{|$)/,
    /^macro_rules!\s*([A-Za-z_]\w*)/,
  ],
  attached: /^\s*(?:\/\/|\/\*|\*|#\[|#!\[)/,
};
const JVM: LanguageFamily = {
  declarations: [
    /^(?:(?:public|private|protected|internal|static|final|abstract|sealed|partial|open|data|export|file|readonly)\s+)*(?:class|interface|enum|record|struct|object|namespace|fun)\s+([A-Za-z_]\w*)/,
  ],
  attached: /^\s*(?:\/\/|\/\*|\*|@|\[)/,
};
const C: LanguageFamily = {
  declarations: [
    /^(?:template\s*<.*>\s*)?(?:typedef\s+)?(?:class|struct|namespace|enum|union)\s+([A-Za-z_]\w*)/,
    // A function definition: a return type, a name and an open parenthesis, with no ';' (a prototype).
    /^(?!(?:if|for|while|switch|return|else|do|case|typedef)\b)[A-Za-z_][\w:<>,*&\s]*?[\s*&]\**([A-Za-z_~][\w:~]*)\s*\([^;]*$/,
  ],
  attached: C_COMMENT,
};
const RUBY: LanguageFamily = { declarations: [/^(?:def|class|module)\s+([\w:.?!=]+)/], attached: /^#(?!!)/ };
const SHELL: LanguageFamily = {
  declarations: [/^function\s+([\w-]+)/, /^([A-Za-z_][\w-]*)\s*\(\)\s*(?:\{|$)/],
  attached: /^#(?!!)/,
};
const SQL: LanguageFamily = {
  declarations: [
    /^create\s+(?:or\s+replace\s+)?(?:(?:temp|temporary|unique|materialized)\s+)?(?:table|view|function|procedure|index|trigger|type|schema|sequence)\s+(?:if\s+not\s+exists\s+)?([\w."]+)/i,
  ],
  attached: /^\s*--/,
};

const lang = (name: string, family: LanguageFamily): Language => ({ name, family });

/** Languages by file extension. */
export const LANGUAGES_BY_EXTENSION: Readonly<Record<string, Language>> = {
  '.ts': lang('typescript', JS), '.tsx': lang('tsx', JS), '.mts': lang('typescript', JS), '.cts': lang('typescript', JS),
  '.js': lang('javascript', JS), '.jsx': lang('jsx', JS), '.mjs': lang('javascript', JS), '.cjs': lang('javascript', JS),
  '.py': lang('python', PYTHON), '.pyi': lang('python', PYTHON),
  '.go': lang('go', GO),
  '.rs': lang('rust', RUST),
  '.java': lang('java', JVM), '.kt': lang('kotlin', JVM), '.kts': lang('kotlin', JVM), '.cs': lang('csharp', JVM),
  '.c': lang('c', C), '.h': lang('c', C), '.cpp': lang('cpp', C), '.cc': lang('cpp', C), '.cxx': lang('cpp', C), '.hpp': lang('cpp', C),
  '.rb': lang('ruby', RUBY),
  '.sh': lang('bash', SHELL), '.bash': lang('bash', SHELL), '.zsh': lang('bash', SHELL),
  '.sql': lang('sql', SQL),
};

/** Languages by media type, for uploads whose name has no known extension. */
export const LANGUAGES_BY_MEDIA_TYPE: Readonly<Record<string, string>> = {
  'text/x-typescript': '.ts', 'application/typescript': '.ts', 'text/typescript': '.ts',
  'text/javascript': '.js', 'application/javascript': '.js', 'application/x-javascript': '.js',
  'text/x-python': '.py', 'text/x-script.python': '.py',
  'text/x-go': '.go', 'text/x-rust': '.rs',
  'text/x-java': '.java', 'text/x-java-source': '.java', 'text/x-kotlin': '.kt', 'text/x-csharp': '.cs',
  'text/x-c': '.c', 'text/x-csrc': '.c', 'text/x-chdr': '.h', 'text/x-c++': '.cpp', 'text/x-c++src': '.cpp', 'text/x-c++hdr': '.hpp',
  'text/x-ruby': '.rb', 'application/x-ruby': '.rb',
  'text/x-sh': '.sh', 'application/x-sh': '.sh', 'text/x-shellscript': '.sh',
  'application/sql': '.sql', 'text/x-sql': '.sql',
};
