/** Who is asking. Every service method takes one; tenant isolation hangs on actor.tenantId. */
export interface Actor {
  readonly tenantId: string;
  readonly userId: string | null;
  readonly deviceId: string | null;
  readonly scopes: readonly string[];
}

/** The actor of the local owner: the CLI in process, the embedded server before auth lands. */
export function ownerActor(tenantId: string): Actor {
  return { tenantId, userId: null, deviceId: null, scopes: ['*'] };
}
