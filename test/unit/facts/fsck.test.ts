// fsck / e2fsck results from recorded outputs and exit codes.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fsckMeaning, parseFsck, type FsckMeaning } from '../../../src/facts/fsck.js';
import { sample } from './fixtures.js';

const CORRUPT_PROBLEMS = [
  'Unattached inode 19',
  'Block bitmap differences:  +(8153--8155) -(11153--11156)',
  'Free blocks count wrong for group #0 (0, counted=3).',
  'Free blocks count wrong for group #1 (7223, counted=7219).',
  'Free blocks count wrong (235012, counted=235011).',
];

interface Case {
  file: string;
  rc: number;
  meaning: FsckMeaning;
  modified: boolean;
  unexpected: boolean;
  errorsRemain: boolean;
  problems: string[];
}

const CASES: Case[] = [
  {
    // the exit code was not recorded with this sample; 1 is what e2fsck returns after fixing with `yes` answers
    file: 'e2fsck-rook-issue2850-1.txt', rc: 1, meaning: 'corrected', modified: true, unexpected: false, errorsRemain: false,
    problems: [
      'One or more block group descriptor checksums are invalid.',
      'Group descriptor 0 checksum is 0xe767, should be 0x8aa9.',
      'Group 1 block(s) in use but group is marked BLOCK_UNINIT',
      'Block bitmap differences:  +(32897--37426) +(37428--37429)',
      'Free blocks count wrong for group #1 (32639, counted=28107).',
      'Free blocks count wrong (249189, counted=244657).',
      'Free inodes count wrong for group #0 (8181, counted=8029).',
      'Free inodes count wrong (65525, counted=65373).',
      'Inode bitmap differences: Group 0 inode bitmap does not match checksum.',
    ],
  },
  { file: 'rbdfuse-e2fsck-fn-corrupt.txt', rc: 4, meaning: 'uncorrected', modified: false, unexpected: false, errorsRemain: true, problems: CORRUPT_PROBLEMS },
  { file: 'rbdfuse-e2fsck-fn-after-rollback.txt', rc: 4, meaning: 'uncorrected', modified: false, unexpected: false, errorsRemain: true, problems: CORRUPT_PROBLEMS },
  {
    file: 'rbdfuse-e2fsck-fy-repair.txt', rc: 1, meaning: 'corrected', modified: true, unexpected: false, errorsRemain: false,
    problems: ['Unattached inode 19', 'Inode 19 ref count is 2, should be 1.', 'Block bitmap differences:  +(8153--8155) -(11153--11156)'],
  },
  {
    file: 'rbdfuse-e2fsck-p-refusal.txt', rc: 4, meaning: 'uncorrected', modified: false, unexpected: true, errorsRemain: true,
    problems: ['Unattached inode 19'],
  },
  {
    // preen wrote the inode 13 fix before refusing: modified although the exit code says 4 only
    file: 'rbdfuse-fsck-a-refusal.txt', rc: 4, meaning: 'uncorrected', modified: true, unexpected: true, errorsRemain: true,
    problems: ['Inode 13 ref count is 1, should be 2.', 'Unattached inode 19'],
  },
];

describe('parseFsck', () => {
  for (const c of CASES) {
    it(`reads ${c.file} (exit ${c.rc})`, () => {
      const r = parseFsck(sample(c.file), c.rc);
      assert.equal(r.rcMeaning, c.meaning);
      assert.equal(r.modified, c.modified);
      assert.equal(r.unexpectedInconsistency, c.unexpected);
      assert.equal(r.errorsRemain, c.errorsRemain);
      assert.deepEqual(r.problems, c.problems);
    });
  }

  it('reads the kubelet-reported refusal from the field notes', () => {
    const text = "fsck from util-linux 2.23.2\n/dev/rbd8: Unattached inode 303\n\n\n/dev/rbd8: UNEXPECTED INCONSISTENCY; RUN fsck MANUALLY.\n\t(i.e., without -a or -p options)\n";
    const r = parseFsck(text, 4);
    assert.deepEqual([r.rcMeaning, r.unexpectedInconsistency, r.modified, r.problems], ['uncorrected', true, false, ['Unattached inode 303']]);
  });

  it('when the filesystem is clean then there is nothing to report', () => {
    const r = parseFsck('fsck from util-linux 2.38.1\n/dev/rbd0: clean, 11/65536 files, 12955/262144 blocks\n', 0);
    assert.deepEqual([r.rcMeaning, r.modified, r.unexpectedInconsistency, r.problems, r.errorsRemain], ['clean', false, false, [], false]);
  });

  it('when fsck could not run then the error lines are the problems', () => {
    const r = parseFsck('e2fsck 1.47.0 (5-Feb-2023)\ne2fsck: No such file or directory while trying to open /dev/rbd9\n', 8);
    assert.deepEqual([r.rcMeaning, r.problems], ['error', ['e2fsck: No such file or directory while trying to open /dev/rbd9']]);
  });
});

describe('fsckMeaning', () => {
  const table: Array<[number | null, FsckMeaning, FsckMeaning[]]> = [
    [0, 'clean', []],
    [1, 'corrected', ['corrected']],
    [2, 'corrected-reboot', ['corrected-reboot']],
    [3, 'corrected-reboot', ['corrected-reboot', 'corrected']],
    [4, 'uncorrected', ['uncorrected']],
    [8, 'error', ['error']],
    [12, 'error', ['error', 'uncorrected']],
    [16, 'usage', ['usage']],
    [32, 'cancelled', ['cancelled']],
    [36, 'uncorrected', ['uncorrected', 'cancelled']],
    [128, 'library', ['library']],
    [127, 'error', ['error']],
    [null, 'error', ['error']],
    [-1, 'error', ['error']],
    [256, 'error', ['error']],
  ];
  for (const [rc, meaning, bits] of table) {
    it(`when fsck exits ${rc} then it means ${meaning}`, () => {
      assert.deepEqual(fsckMeaning(rc), { meaning, bits });
    });
  }
});
