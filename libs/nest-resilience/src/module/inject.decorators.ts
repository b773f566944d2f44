import { Inject } from '@nestjs/common';
import { breakerToken, policyToken } from './tokens';

/** Injects the fleet breaker (FleetBreaker) of a downstream BreakwaterModule was configured with. */
export const InjectBreaker = (downstream: string): PropertyDecorator & ParameterDecorator => Inject(breakerToken(downstream));

/** Injects the policy chain (Policy: retry, breaker, bulkhead, timeout) of a configured downstream. */
export const InjectPolicy = (downstream: string): PropertyDecorator & ParameterDecorator => Inject(policyToken(downstream));
