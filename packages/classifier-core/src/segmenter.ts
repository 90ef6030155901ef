import path from 'node:path';
import nodejieba from 'nodejieba';

/** Word segmentation, behind an interface so rules and the model never see nodejieba itself. */
export interface Segmenter {
  cut(text: string): string[];
}

/** The user dictionary kept in the repo: places, departments, emergency and rumour vocabulary. */
export const DEFAULT_USER_DICT = path.join(__dirname, '..', 'data', 'user.dict.utf8');

let loadedWith: string | null = null;

/**
 * nodejieba holds one global dictionary per process, and loading it takes ~0.5 s, so it is loaded
 * once; asking for a different user dictionary later would silently change every other caller's
 * segmentation, so that is refused instead.
 */
export function jiebaSegmenter(userDict: string = DEFAULT_USER_DICT): Segmenter {
  if (loadedWith === null) {
    nodejieba.load({ userDict });
    loadedWith = userDict;
  } else if (loadedWith !== userDict) {
    throw new Error(
      `nodejieba is already loaded with ${loadedWith}; one user dictionary per process`,
    );
  }
  return { cut: (text) => nodejieba.cut(text, true) };
}
