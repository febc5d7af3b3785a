/** What a planner is told besides the question: the REM forms and the tables it may name. */
export interface QueryPlanContext {
  /** The REM syntax reference, one form per line. */
  syntax: string;
  /** Tables SEARCH and SQL may name. */
  tables: readonly string[];
}

/**
 * Natural language -> one REM statement (NL -> REM), e.g. with a language model. The engine
 * parses and runs what comes back exactly as if the user had typed it: a planner gains no rights
 * the REM guard would not grant.
 */
export interface QueryPlanner {
  plan(question: string, context: QueryPlanContext): Promise<string>;
}
