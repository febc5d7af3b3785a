/** What a planner is told besides the question: the REM forms and the tables it may name. */
export interface QueryPlanContext {
  /** The REM syntax reference, one form per line. */
  syntax: string;
  /** Tables SEARCH and SQL may name. */
  tables: readonly string[];
  /** The columns SQL may read, per table. */
  columns?: Readonly<Record<string, readonly string[]>> | undefined;
  /** The caller's abort signal: a planner whose caller went away stops. */
  signal?: AbortSignal | undefined;
}

/** A planner's answer: REM statements to run in order, who planned them, and what it said about the plan. */
export interface QueryPlan {
  statements: string[];
  /** `provider:model`. */
  model: string;
  note: string | null;
}

/**
 * Natural language -> REM statements (NL -> REM), e.g. with a language model. The engine
 * parses and runs what comes back exactly as if the user had typed it: a planner gains no rights
 * the REM guard would not grant.
 */
export interface QueryPlanner {
  /** The plan; a bare string is a plan of one statement (simple planners, tests). */
  plan(question: string, context: QueryPlanContext): Promise<QueryPlan | string>;
}
