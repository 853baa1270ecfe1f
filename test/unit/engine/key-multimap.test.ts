import { describe, expect, it } from 'vitest';
import { KeyMultimap } from '../../../src/engine/key-multimap.js';

describe('KeyMultimap', () => {
  it('holds one member, then several, then one again', () => {
    const map = new KeyMultimap();
    map.add('s', 'a');
    map.add('s', 'a');
    expect(map.get('s')).toEqual(['a']);
    map.add('s', 'b');
    map.add('s', 'c');
    expect([...map.get('s')].sort()).toEqual(['a', 'b', 'c']);
    map.delete('s', 'b');
    map.delete('s', 'a');
    expect(map.get('s')).toEqual(['c']);
    map.add('s', 'd');
    expect([...map.get('s')].sort()).toEqual(['c', 'd']);
  });

  it('drops a key when its last member goes', () => {
    const map = new KeyMultimap();
    map.add('s', 'a');
    map.add('t', 'a');
    map.add('t', 'b');
    map.delete('s', 'a');
    map.delete('s', 'a');
    map.delete('t', 'a');
    map.delete('t', 'b');
    map.delete('missing', 'a');
    expect(map.size).toBe(0);
    expect(map.get('s')).toEqual([]);
  });

  it('ignores a member that is not there', () => {
    const map = new KeyMultimap();
    map.add('s', 'a');
    map.delete('s', 'b');
    expect(map.get('s')).toEqual(['a']);
    map.add('s', 'b');
    map.delete('s', 'x');
    expect([...map.get('s')].sort()).toEqual(['a', 'b']);
  });

  it('take returns the members and forgets the key', () => {
    const map = new KeyMultimap();
    map.add('c', 's1');
    map.add('c', 's2');
    map.add('d', 's1');
    expect([...map.take('c')].sort()).toEqual(['s1', 's2']);
    expect(map.take('c')).toEqual([]);
    expect(map.take('d')).toEqual(['s1']);
    expect(map.size).toBe(0);
  });

  it('returns a copy that the caller may read while the map changes', () => {
    const map = new KeyMultimap();
    map.add('s', 'a');
    map.add('s', 'b');
    const members = map.get('s');
    for (const member of members) map.delete('s', member);
    expect([...members].sort()).toEqual(['a', 'b']);
    expect(map.size).toBe(0);
  });
});
