import {
  REM_SQL_FUNCTIONS, REM_SQL_NODES, REM_SQL_TABLES, REM_SQL_TYPES, SQL_VALUE_FUNCTIONS, SYSTEM_COLUMNS,
} from './sql-policy.js';

/** Why a parse tree was refused, and where (a byte offset into the statement, when the node has one). */
export class SqlRefusal extends Error {
  constructor(
    readonly reason: string,
    readonly location: number | undefined,
    readonly found: string,
    readonly expected: string[] = [],
  ) {
    super(reason);
  }
}

type Obj = Record<string, unknown>;
type Scope = ReadonlySet<string>;

/**
 * One step of the walk: visit any JSON value, check a typed node ({ TypeName: {...} }), or enter a
 * SELECT with the CTE names visible to it. The walk keeps its own stack instead of recursing, so a
 * deeply nested tree cannot overflow the JavaScript stack (the guard also bounds nesting before it
 * parses: the parser itself recurses).
 */
type Step =
  | { kind: 'visit'; node: unknown; scope: Scope }
  | { kind: 'node'; type: string; node: Obj; scope: Scope }
  | { kind: 'select'; node: Obj; scope: Scope };

/**
 * Check a SelectStmt parse tree (libpg_query JSON) against the policy and return the allow-listed
 * tables it reads. Every object and array is visited; a node type the policy does not list is
 * refused. CTE names are scoped as PostgreSQL scopes them (a CTE is visible to the query body and to
 * later CTEs, not inside its own definition), so `WITH pg_class AS (SELECT * FROM pg_class)` cannot
 * smuggle a catalog in under an allowed name.
 */
export function checkSelect(stmt: Obj): string[] {
  const tables = new Set<string>();
  const stack: Step[] = [{ kind: 'select', node: stmt, scope: new Set() }];
  for (let step = stack.pop(); step; step = stack.pop()) {
    const next = step.kind === 'select' ? selectStmt(step.node, step.scope)
      : step.kind === 'node' ? checkNode(step.type, step.node, step.scope, tables)
      : visit(step.node, step.scope);
    // Pushed in reverse, so children are checked in document order (the first problem is reported).
    for (let i = next.length - 1; i >= 0; i--) stack.push(next[i] as Step);
  }
  return [...tables].sort();
}

function selectStmt(s: Obj, outer: Scope): Step[] {
  if (s.intoClause) throw new SqlRefusal('SELECT INTO creates a table: REM SQL is read-only', loc(s.intoClause), 'INTO');
  const scope = new Set(outer);
  const steps: Step[] = [];
  const withClause = s.withClause as Obj | undefined;
  if (withClause) {
    if (withClause.recursive) throw new SqlRefusal('WITH RECURSIVE is not allowed (it can run without bound)', loc(withClause), 'RECURSIVE');
    for (const item of (withClause.ctes as Obj[] | undefined) ?? []) {
      const cte = item.CommonTableExpr as Obj | undefined;
      if (!cte) throw refuseNode(Object.keys(item)[0] ?? 'unknown', item);
      // Each CTE sees the ones before it only.
      steps.push({ kind: 'visit', node: cte.ctequery, scope: new Set(scope) });
      scope.add(String(cte.ctename));
    }
  }
  for (const [key, value] of Object.entries(s)) {
    if (key === 'withClause' || key === 'intoClause') continue;
    // Set operations keep their arms as bare SelectStmt bodies (a typed field, no node wrapper).
    if ((key === 'larg' || key === 'rarg') && value) steps.push({ kind: 'select', node: value as Obj, scope });
    else steps.push({ kind: 'visit', node: value, scope });
  }
  return steps;
}

function visit(node: unknown, scope: Scope): Step[] {
  if (Array.isArray(node)) return node.map((n) => ({ kind: 'visit', node: n, scope }));
  if (!node || typeof node !== 'object') return [];
  // libpg_query wraps every generic node as { TypeName: {...} }; field names start lower-case.
  return Object.entries(node as Obj).map(([key, value]): Step =>
    /^[A-Z]/.test(key) ? { kind: 'node', type: key, node: value as Obj, scope } : { kind: 'visit', node: value, scope });
}

function checkNode(type: string, n: Obj, scope: Scope, tables: Set<string>): Step[] {
  if (!REM_SQL_NODES.has(type)) throw refuseNode(type, n);
  switch (type) {
    case 'SelectStmt':
      return [{ kind: 'select', node: n, scope }];
    case 'RangeVar':
      rangeVar(n, scope, tables);
      return [];
    case 'FuncCall':
      funcName(n);
      break;
    case 'TypeCast':
    case 'ColumnDef':
      typeName(n.typeName as Obj | undefined, loc(n));
      break;
    case 'ColumnRef':
      for (const f of strings(n.fields)) {
        if (SYSTEM_COLUMNS.has(f)) throw new SqlRefusal(`system column ${f} is not allowed`, loc(n), f);
      }
      break;
    case 'SQLValueFunction':
      if (!SQL_VALUE_FUNCTIONS.has(String(n.op))) {
        const name = String(n.op).replace(/^SVFOP_/, '');
        throw new SqlRefusal(`${name} is not allowed (only the current date and time are)`, loc(n), name);
      }
      break;
    case 'A_Expr': {
      const op = strings(n.name);
      if (op.length > 1 && op[0] !== 'pg_catalog') throw new SqlRefusal(`operator ${op.join('.')} is not allowed`, loc(n), op.join('.'));
      break;
    }
  }
  return [{ kind: 'visit', node: n, scope }];
}

function rangeVar(n: Obj, scope: Scope, tables: Set<string>): void {
  const name = String(n.relname);
  const allowed = Object.keys(REM_SQL_TABLES);
  if (n.schemaname || n.catalogname) {
    const full = [n.catalogname, n.schemaname, name].filter(Boolean).join('.');
    throw new SqlRefusal(`schema-qualified table ${full} is not allowed; name the table alone`, loc(n), full, allowed);
  }
  if (scope.has(name)) return;
  if (!REM_SQL_TABLES[name]) throw new SqlRefusal(`table ${name} is not one REM can read`, loc(n), name, allowed);
  tables.add(name);
}

function funcName(n: Obj): void {
  const parts = strings(n.funcname);
  const name = parts[parts.length - 1] ?? '';
  // pg_catalog is where built-ins live; the parser itself qualifies EXTRACT, SUBSTRING ... FROM and friends.
  if (parts.length > 2 || (parts.length === 2 && parts[0] !== 'pg_catalog')) {
    throw new SqlRefusal(`schema-qualified function ${parts.join('.')} is not allowed`, loc(n), parts.join('.'));
  }
  if (!REM_SQL_FUNCTIONS.has(name)) throw new SqlRefusal(`function ${name}() is not allowed in REM SQL`, loc(n), name);
}

const REG_TYPE = /^reg[a-z]*$/;

function typeName(t: Obj | undefined, at: number | undefined): void {
  const parts = strings(t?.names);
  const name = parts[parts.length - 1] ?? '';
  const qualifiedElsewhere = parts.length > 2 || (parts.length === 2 && parts[0] !== 'pg_catalog');
  if (qualifiedElsewhere || !REM_SQL_TYPES.has(name)) {
    const why = REG_TYPE.test(name) ? ' (reg* casts look up catalog objects)' : '';
    throw new SqlRefusal(`cast to type ${parts.join('.')} is not allowed${why}`, loc(t) ?? at, parts.join('.'));
  }
}

// What each refused node is, in words a user knows.
const NODE_REASONS: Record<string, string> = {
  ParamRef: 'parameters ($1) are not allowed: write values inline',
  LockingClause: 'FOR UPDATE / FOR SHARE locks rows: REM SQL is read-only',
  RangeTableSample: 'TABLESAMPLE is not allowed',
  RangeTableFunc: 'XMLTABLE is not allowed',
  JsonTable: 'JSON_TABLE is not allowed (PostgreSQL 15 lacks it)',
  XmlExpr: 'XML functions are not allowed',
  XmlSerialize: 'XML functions are not allowed',
  CurrentOfExpr: 'WHERE CURRENT OF is not allowed',
};

function refuseNode(type: string, n: Obj): SqlRefusal {
  if (type.endsWith('Stmt')) {
    const what = type.replace(/Stmt$/, '').replace(/([a-z])([A-Z])/g, '$1 $2').toUpperCase();
    return new SqlRefusal(`${what} statements are not allowed: REM SQL is a single read-only SELECT`, loc(n), what);
  }
  return new SqlRefusal(NODE_REASONS[type] ?? `${type} is not allowed in REM SQL`, loc(n), type);
}

function strings(list: unknown): string[] {
  return Array.isArray(list) ? list.map((x) => String((x as { String?: { sval?: string } }).String?.sval ?? '')) : [];
}

function loc(n: unknown): number | undefined {
  const l = (n as { location?: unknown } | undefined)?.location;
  return typeof l === 'number' && l >= 0 ? l : undefined;
}
