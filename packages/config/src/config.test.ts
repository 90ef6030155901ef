import { z } from 'zod';
import { ConfigError, env, parseConfig } from './index';

const schema = z.object({
  PORT: env.port(3000),
  KAFKA_BROKERS: env.brokers(),
  DRY_RUN: env.bool(false),
});

describe('parseConfig', () => {
  it('applies defaults when variables are absent', () => {
    expect(parseConfig('svc', schema, {})).toEqual({ PORT: 3000, KAFKA_BROKERS: ['127.0.0.1:9092'], DRY_RUN: false });
  });

  it('parses the broker list', () => {
    expect(parseConfig('svc', schema, { KAFKA_BROKERS: 'a:1,b:2' }).KAFKA_BROKERS).toEqual(['a:1', 'b:2']);
  });

  it.each([
    [{ PORT: 'eighty' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ KAFKA_BROKERS: 'localhost' }, 'KAFKA_BROKERS'],
    [{ DRY_RUN: 'maybe' }, 'DRY_RUN'],
  ])('names the bad variable in %p', (input, variable) => {
    try {
      parseConfig('svc', schema, input);
      throw new Error('expected a ConfigError');
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).message).toContain(`${variable}:`);
      expect((error as ConfigError).problems.map((p) => p.variable)).toEqual([variable]);
    }
  });
});
