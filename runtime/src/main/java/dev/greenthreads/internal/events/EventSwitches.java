package dev.greenthreads.internal.events;

import jdk.jfr.EventType;
import jdk.jfr.FlightRecorder;
import jdk.jfr.FlightRecorderListener;
import jdk.jfr.Recording;

/**
 * Whether the events emitted on frequent paths (a start, an end, a park) are enabled in some
 * recording: one static read there, so that with no recording, or one that leaves them off, no
 * event object is made. Recomputed when the flight recorder starts and whenever a recording
 * starts or stops; a change of a running recording's settings is seen at the next of those.
 * Until the flight recorder is initialised they are off, without loading it.
 */
public final class EventSwitches {

    public static volatile boolean threadStart;
    public static volatile boolean threadEnd;
    public static volatile boolean park;

    static {
        FlightRecorder.addListener(new FlightRecorderListener() {
            @Override
            public void recorderInitialized(FlightRecorder recorder) {
                refresh();
            }

            @Override
            public void recordingStateChanged(Recording recording) {
                refresh();
            }
        });
        if (FlightRecorder.isInitialized()) {
            refresh();
        }
    }

    private EventSwitches() {
    }

    private static void refresh() {
        threadStart = EventType.getEventType(ThreadStartEvent.class).isEnabled();
        threadEnd = EventType.getEventType(ThreadEndEvent.class).isEnabled();
        park = EventType.getEventType(ParkEvent.class).isEnabled();
    }
}
