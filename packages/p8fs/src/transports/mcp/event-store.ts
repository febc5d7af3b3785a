import type { EventId, EventStore, StreamId } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';

/**
 * Resumability for one session's SSE streams (Streamable HTTP `Last-Event-ID`): the last `capacity`
 * messages sent on any of the session's streams, so a client whose connection dropped gets what it
 * missed. Bounded, because a session that nobody resumes must not grow without end; in memory,
 * because sessions live in the process that created them (docs/decisions/0011-mcp-transport.md).
 */
export class BoundedEventStore implements EventStore {
  private readonly events: Array<{ id: EventId; streamId: StreamId; message: JSONRPCMessage }> = [];
  private seq = 0;

  constructor(private readonly capacity = 500) {}

  async storeEvent(streamId: StreamId, message: JSONRPCMessage): Promise<EventId> {
    // The sequence number orders events; the stream id is recoverable from the event id.
    const id = `${streamId}:${(++this.seq).toString(36).padStart(8, '0')}`;
    this.events.push({ id, streamId, message });
    if (this.events.length > this.capacity) this.events.splice(0, this.events.length - this.capacity);
    return id;
  }

  async getStreamIdForEventId(eventId: EventId): Promise<StreamId | undefined> {
    return this.events.find((e) => e.id === eventId)?.streamId;
  }

  async replayEventsAfter(lastEventId: EventId, { send }: { send: (id: EventId, m: JSONRPCMessage) => Promise<void> }): Promise<StreamId> {
    const at = this.events.findIndex((e) => e.id === lastEventId);
    // An id we no longer hold (evicted, or from another process): nothing to replay on that stream.
    if (at < 0) return '';
    const { streamId } = this.events[at] as { streamId: StreamId };
    for (const e of this.events.slice(at + 1)) if (e.streamId === streamId) await send(e.id, e.message);
    return streamId;
  }
}
