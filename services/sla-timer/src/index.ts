export * from './clock-plan';
export * from './clock-repository';
export * from './clock-timer';
export * from './redis-check';
