export * from './correlation';
export * from './incident-repository';
export * from './lifecycle';
export * from './merge-split';
export * from './propagation';
export * from './spikes';
