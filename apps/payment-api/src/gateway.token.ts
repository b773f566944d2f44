/** The NestJS injection token of the Gateway (the composition root in gateway.ts). */
export const GATEWAY = Symbol('GATEWAY');
