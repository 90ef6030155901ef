export * from './correlate.step';
export * from './incident-worker';
