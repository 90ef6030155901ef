import { checksumOf, parseMigrationFileName } from './migration-files';

describe('parseMigrationFileName', () => {
  it.each([
    ['0001_foundation.sql', { version: 1, name: 'foundation' }],
    ['0042_outbox_index.sql', { version: 42, name: 'outbox_index' }],
    ['001_short.sql', undefined],
    ['0001-foundation.sql', undefined],
    ['0001_Foundation.sql', undefined],
    ['0001_foundation.sql.bak', undefined],
    ['0001_.sql', undefined],
  ])('%s → %p', (file, parsed) => {
    expect(parseMigrationFileName(file)).toEqual(parsed);
  });
});

describe('checksumOf', () => {
  it.each([
    ['CREATE TABLE a (id int);\n', 'CREATE TABLE a (id int);\r\n', true],
    ['CREATE TABLE a (id int);\n', 'CREATE TABLE a (id bigint);\n', false],
    ['CREATE TABLE a (id int);', 'CREATE TABLE a (id int); ', false],
  ])('%p vs %p: same = %p', (a, b, same) => {
    expect(checksumOf(a) === checksumOf(b)).toBe(same);
  });
});
