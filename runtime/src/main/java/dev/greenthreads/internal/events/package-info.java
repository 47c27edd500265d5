/**
 * The runtime's JDK Flight Recorder events, one class per event, named
 * {@code dev.greenthreads.NAME} in a recording. An event costs nothing while no recording
 * enables it; the runtime emits events only on paths that are slow anyway (a carrier blocked,
 * a report), never on the suspend and resume paths of a green thread that does not block.
 */
package dev.greenthreads.internal.events;
