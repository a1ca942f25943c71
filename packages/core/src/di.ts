// The only module that touches tsyringe: reflect-metadata must be evaluated before tsyringe, and every
// package importing DI through @txsim/core guarantees a single tsyringe instance (one container tree).
import 'reflect-metadata';
export { container, inject, injectAll, injectable, Lifecycle } from 'tsyringe';
export type { DependencyContainer, InjectionToken } from 'tsyringe';
