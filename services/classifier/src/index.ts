export * from './classifier-worker';
export * from './classify.step';
export * from './claims-registry';
