/**
 * What REM SQL may touch. Everything here is an allow-list: a table, function, type or syntax node
 * not named is refused, so new PostgreSQL syntax or a newly installed function is closed by default.
 */

/**
 * The tables a REM SELECT sees, each with the columns it exposes. The guard shadows each name with a
 * CTE over `public.<table> WHERE tenant_id = $1`, so these columns of the caller's rows are all there
 * is. Internals stay out: search_tsv, content_hash, blob_key, encryption_mode, embeddings.
 */
export const REM_SQL_TABLES: Readonly<Record<string, readonly string[]>> = {
  resources: [
    'id', 'tenant_id', 'file_id', 'name', 'category', 'content', 'summary', 'ordinal', 'uri', 'metadata', 'graph_paths',
    'resource_timestamp', 'created_at', 'updated_at',
  ],
  files: [
    'id', 'tenant_id', 'name', 'uri', 'size', 'mime_type', 'status', 'error_code', 'error_message', 'parser', 'parser_version',
    'resource_count', 'metadata', 'parent_id', 'depth', 'created_at', 'updated_at', 'indexed_at',
  ],
  moments: [
    'id', 'tenant_id', 'name', 'content', 'summary', 'moment_type', 'starts_at', 'ends_at', 'present_persons', 'speakers',
    'location', 'emotion_tags', 'topic_tags', 'metadata', 'graph_paths', 'created_at', 'updated_at',
  ],
  agents: ['id', 'tenant_id', 'name', 'description', 'system_prompt', 'output_schema', 'tools', 'metadata', 'created_at', 'updated_at'],
  entities: ['id', 'tenant_id', 'label', 'entity_type', 'metadata', 'created_at', 'updated_at'],
  edges: [
    'id', 'tenant_id', 'src_key', 'src_label', 'rel_type', 'dst_key', 'dst_label', 'weight', 'properties', 'origin',
    'source_file_id', 'created_at', 'updated_at',
  ],
  labels: ['tenant_id', 'label_key', 'label', 'entity_table', 'entity_id'],
};

/**
 * Functions a REM SELECT may call: pure reads over values. Deliberately absent: anything reading
 * files or the server (pg_read_file, pg_ls_dir, lo_*, COPY), settings (current_setting, set_config),
 * other sessions or databases (dblink, pg_cancel_backend), sleeping and row generators (pg_sleep,
 * generate_series), functions that run SQL text (query_to_xml), xid/sequence functions, and string
 * builders that allocate on request (repeat, lpad, rpad, format with a width: format('%15000s', '')
 * fed an outside attack's 225M-row cross join), so no single call can take the memory of the engine.
 */
export const REM_SQL_FUNCTIONS: ReadonlySet<string> = new Set([
  // aggregates
  'count', 'sum', 'avg', 'min', 'max', 'bool_and', 'bool_or', 'every', 'string_agg', 'array_agg', 'json_agg', 'jsonb_agg',
  'json_object_agg', 'jsonb_object_agg', 'stddev', 'stddev_pop', 'stddev_samp', 'variance', 'var_pop', 'var_samp',
  'percentile_cont', 'percentile_disc', 'mode', 'corr',
  // window
  'row_number', 'rank', 'dense_rank', 'percent_rank', 'cume_dist', 'ntile', 'lag', 'lead', 'first_value', 'last_value', 'nth_value',
  // strings
  'lower', 'upper', 'initcap', 'length', 'char_length', 'character_length', 'octet_length', 'substr', 'substring', 'left',
  'right', 'position', 'strpos', 'replace', 'btrim', 'ltrim', 'rtrim', 'concat', 'concat_ws', 'split_part', 'string_to_array',
  'array_to_string', 'regexp_replace', 'regexp_match', 'regexp_matches', 'regexp_split_to_array', 'regexp_like', 'starts_with',
  'reverse', 'md5', 'translate', 'ascii', 'chr', 'quote_literal', 'quote_ident', 'unaccent', 'normalize',
  'to_char', 'to_number', 'to_date', 'to_timestamp', 'encode', 'decode',
  // what the parser itself calls for SQL syntax (SIMILAR TO, OVERLAY, IS NORMALIZED, COLLATION FOR)
  'similar_to_escape', 'overlay', 'is_normalized', 'pg_collation_for',
  // date / time
  'now', 'date_trunc', 'date_part', 'extract', 'age', 'make_date', 'make_time', 'make_interval', 'make_timestamp',
  'make_timestamptz', 'justify_days', 'justify_hours', 'justify_interval', 'date_bin', 'timezone', 'isfinite',
  'clock_timestamp', 'statement_timestamp', 'transaction_timestamp',
  // numbers
  'abs', 'ceil', 'ceiling', 'floor', 'round', 'trunc', 'mod', 'power', 'sqrt', 'ln', 'log', 'exp', 'sign', 'random', 'div',
  'width_bucket', 'num_nulls', 'num_nonnulls',
  // json / jsonb reads and builders
  'jsonb_extract_path', 'jsonb_extract_path_text', 'json_extract_path', 'json_extract_path_text', 'jsonb_array_length',
  'json_array_length', 'jsonb_array_elements', 'jsonb_array_elements_text', 'json_array_elements', 'json_array_elements_text',
  'jsonb_each', 'jsonb_each_text', 'json_each', 'json_each_text', 'jsonb_object_keys', 'json_object_keys', 'jsonb_typeof',
  'json_typeof', 'jsonb_build_object', 'json_build_object', 'jsonb_build_array', 'json_build_array', 'to_json', 'to_jsonb',
  'row_to_json', 'jsonb_strip_nulls', 'json_strip_nulls', 'jsonb_pretty', 'jsonb_path_query', 'jsonb_path_query_array',
  'jsonb_path_query_first', 'jsonb_path_exists', 'jsonb_path_match', 'jsonb_to_record', 'jsonb_to_recordset',
  // arrays
  'array_length', 'cardinality', 'unnest', 'array_position', 'array_positions', 'array_remove', 'array_append',
  'array_prepend', 'array_cat', 'array_upper', 'array_lower', 'array_dims', 'array_ndims',
  // pg_trgm and full text
  'similarity', 'word_similarity', 'strict_word_similarity', 'to_tsvector', 'to_tsquery', 'plainto_tsquery',
  'phraseto_tsquery', 'websearch_to_tsquery', 'ts_rank', 'ts_rank_cd', 'ts_headline',
  // the vault's own label rule (migration 0004), for joining edges to labels
  'p8_label_key',
]);

/** Types a cast may name (the parser qualifies SQL-standard names with pg_catalog itself). */
export const REM_SQL_TYPES: ReadonlySet<string> = new Set([
  'text', 'varchar', 'bpchar', 'char', 'name', 'int2', 'int4', 'int8', 'smallint', 'integer', 'int', 'bigint', 'numeric',
  'decimal', 'float4', 'float8', 'real', 'bool', 'boolean', 'date', 'time', 'timetz', 'timestamp', 'timestamptz', 'interval',
  'uuid', 'json', 'jsonb', 'jsonpath', 'tsvector', 'tsquery',
]);

/** Columns every table has that reveal storage, not data. */
export const SYSTEM_COLUMNS: ReadonlySet<string> = new Set(['ctid', 'xmin', 'xmax', 'cmin', 'cmax', 'tableoid']);

/** SQL value keywords that are plain clock reads (CURRENT_USER and friends reveal the server's roles). */
export const SQL_VALUE_FUNCTIONS: ReadonlySet<string> = new Set([
  'SVFOP_CURRENT_DATE', 'SVFOP_CURRENT_TIME', 'SVFOP_CURRENT_TIME_N', 'SVFOP_CURRENT_TIMESTAMP', 'SVFOP_CURRENT_TIMESTAMP_N',
  'SVFOP_LOCALTIME', 'SVFOP_LOCALTIME_N', 'SVFOP_LOCALTIMESTAMP', 'SVFOP_LOCALTIMESTAMP_N',
]);

/**
 * The parse-tree nodes a read-only SELECT is made of. Statement nodes other than SelectStmt,
 * IntoClause, LockingClause, ParamRef, RangeTableSample, RangeTableFunc (XMLTABLE), XML and
 * JSON_TABLE nodes are not listed, so the guard refuses them.
 */
export const REM_SQL_NODES: ReadonlySet<string> = new Set([
  'SelectStmt', 'ResTarget', 'ColumnRef', 'String', 'Integer', 'Float', 'Boolean', 'BitString', 'A_Const', 'A_Star', 'A_Expr',
  'BoolExpr', 'FuncCall', 'TypeCast', 'TypeName', 'RangeVar', 'Alias', 'JoinExpr', 'RangeSubselect', 'RangeFunction', 'SubLink',
  'CaseExpr', 'CaseWhen', 'CoalesceExpr', 'MinMaxExpr', 'NullTest', 'BooleanTest', 'SortBy', 'WindowDef', 'WithClause',
  'CommonTableExpr', 'A_ArrayExpr', 'A_Indirection', 'A_Indices', 'RowExpr', 'List', 'NamedArgExpr', 'SQLValueFunction',
  'GroupingSet', 'GroupingFunc', 'CollateClause', 'ColumnDef',
]);
