/**
 * The contract between the agent and the runtime: every runtime name the rewritten code
 * refers to, in one class, {@link dev.greenthreads.contract.Contract}, which both compile against.
 *
 * <p>Invariants. Every constant is a compile-time constant ({@code static final} String or int
 * initialised by a constant expression) of one top-level class, so javac copies it into the
 * classes that use it and neither the agent jar nor the runtime jar refers to this module at
 * run time (both depend on it with provided scope). Each type and each member is marked
 * ({@link dev.greenthreads.contract.RuntimeType}, {@link dev.greenthreads.contract.Member})
 * with its descriptor beside it, and the runtime's {@code ContractTest} resolves every one of
 * them against the runtime by reflection (name, descriptor, static-ness), so a rename on
 * either side fails the build, not an application.
 */
package dev.greenthreads.contract;
