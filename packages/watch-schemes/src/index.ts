export * from './expression';
export * from './matcher';
export * from './normalize';
export * from './scheme';
