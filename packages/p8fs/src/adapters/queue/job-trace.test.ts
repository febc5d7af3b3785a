import { describe, expect, it } from 'vitest';
import { splitStored, storedPayload, traceHeaders } from './job-trace.js';

const trace = { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' };

describe('a job\'s trace context beside its payload', () => {
  it('round-trips, and an untraced payload is stored exactly as before', () => {
    expect(storedPayload({ file_id: 'f' }, undefined)).toEqual({ file_id: 'f' });
    expect(splitStored({ file_id: 'f' })).toEqual({ payload: { file_id: 'f' } });
    expect(splitStored(storedPayload({ file_id: 'f' }, trace))).toEqual({ payload: { file_id: 'f' }, trace });
  });

  it('drops a malformed trace and keeps the job', () => {
    expect(splitStored({ file_id: 'f', trace: { traceparent: 'nonsense' } })).toEqual({ payload: { file_id: 'f' } });
    expect(traceHeaders({ trace: null })).toEqual({});
    expect(traceHeaders({ trace: { ...trace, tracestate: 'v=1' } })).toEqual({ ...trace, tracestate: 'v=1' });
  });
});
