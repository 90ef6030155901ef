export * from './correlate.step';
export * from './incident-worker';
export * from './scheme-router';
