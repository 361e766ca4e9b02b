import { describe, expect, it } from 'vitest';
import { HubStreams } from './hub-streams.ts';

type Stream = { key: string; hubs: Set<string> };

function streams() {
  const ended: string[] = [];
  const joined: string[] = [];
  const book = new HubStreams<Stream>((stream) => ended.push(stream.key));
  const name = (hub: string, keys: string[]) =>
    book.name(hub, new Map(keys.map((key) => [key, () => ({ key, hubs: new Set<string>() })])), (stream, created) =>
      joined.push(`${hub} ${stream.key}${created ? ' (new)' : ''}`),
    );
  return { book, name, ended, joined };
}

describe('HubStreams: the streams hubs name, whole', () => {
  it('makes a stream once, however many hubs name it, and tells each hub joining it once', () => {
    const { book, name, joined } = streams();
    name('hub-a', ['NIFTY|minute', 'INFY|day']);
    name('hub-b', ['NIFTY|minute']);
    name('hub-a', ['NIFTY|minute', 'INFY|day']);
    expect(joined).toEqual(['hub-a NIFTY|minute (new)', 'hub-a INFY|day (new)', 'hub-b NIFTY|minute']);
    expect(book.size).toBe(2);
    expect([...(book.get('NIFTY|minute')?.hubs ?? [])].sort()).toEqual(['hub-a', 'hub-b']);
  });

  it('ends a stream when the last hub naming it names a set without it, or its link drops', () => {
    const { book, name, ended } = streams();
    name('hub-a', ['NIFTY|minute', 'INFY|day']);
    name('hub-b', ['NIFTY|minute']);
    name('hub-a', ['NIFTY|minute']);
    expect(ended).toEqual(['INFY|day']);
    expect(book.drop('hub-a')).toBe(true);
    expect(ended).toEqual(['INFY|day']);
    expect(book.streamsTo('hub-a')).toBe(false);
    name('hub-b', []);
    expect(ended).toEqual(['INFY|day', 'NIFTY|minute']);
    expect(book.size).toBe(0);
    expect(book.streamsTo('hub-b')).toBe(false);
    expect(book.drop('hub-b')).toBe(false);
  });

  it('lets a hub whose link dropped join its streams again', () => {
    const { name, book, joined } = streams();
    name('hub-a', ['NIFTY|minute']);
    name('hub-b', ['NIFTY|minute']);
    book.drop('hub-a');
    name('hub-a', ['NIFTY|minute']);
    expect(joined).toEqual(['hub-a NIFTY|minute (new)', 'hub-b NIFTY|minute', 'hub-a NIFTY|minute']);
  });
});
