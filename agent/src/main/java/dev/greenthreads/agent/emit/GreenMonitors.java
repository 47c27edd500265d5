package dev.greenthreads.agent.emit;

import dev.greenthreads.contract.Contract;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.ClassNode;
import org.objectweb.asm.tree.InsnList;
import org.objectweb.asm.tree.InsnNode;
import org.objectweb.asm.tree.JumpInsnNode;
import org.objectweb.asm.tree.LabelNode;
import org.objectweb.asm.tree.LdcInsnNode;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.tree.TryCatchBlockNode;
import org.objectweb.asm.tree.VarInsnNode;

/**
 * The green monitor transform (agent option {@code monitors}), applied to a suspendable method
 * before it is planned, so that the calls it adds are planned as any other:
 *
 * <pre>
 *   MONITORENTER o        becomes   DUP; GreenMonitor.enter(o); MONITORENTER o   (a suspendable call site)
 *   MONITOREXIT o         becomes   DUP; GreenMonitor.exit(o);  MONITOREXIT o
 *   o.wait(), wait(ms), wait(ms, ns)       become  GreenMonitor.await(o, ms, ns)   (suspendable)
 *   o.notify(), o.notifyAll()              become  GreenMonitor.notify(o), notifyAll(o)
 * </pre>
 *
 * A {@code synchronized} method loses the flag and gets the same enter and exit on {@code this}
 * (the class, if static), held in a local of its own, around its body: every return goes through
 * one exit, and a catch-all handler exits and rethrows. The runtime's {@code GreenMonitor} states
 * why the green ownership is taken before, and given back before, the JVM monitor.
 * {@link ResumableMethod} then releases and re-takes the JVM monitors around each suspension.
 */
public final class GreenMonitors {

    private GreenMonitors() {
    }

    /** Whether {@code method} has anything this transform changes. */
    public static boolean applies(MethodNode method) {
        if ((method.access & Opcodes.ACC_SYNCHRONIZED) != 0) {
            return true;
        }
        for (AbstractInsnNode i = method.instructions.getFirst(); i != null; i = i.getNext()) {
            if (i.getOpcode() == Opcodes.MONITORENTER || i.getOpcode() == Opcodes.MONITOREXIT
                    || i instanceof MethodInsnNode && objectMethod((MethodInsnNode) i) != null) {
                return true;
            }
        }
        return false;
    }

    /**
     * Applies the transform to {@code method}, a method of {@code cn} that is neither a constructor
     * nor a static initialiser. A synchronized method of a class file older than Java 5, which cannot
     * load its class as a constant, keeps its flag (and so pins).
     */
    public static void apply(ClassNode cn, MethodNode method) {
        if ((method.access & Opcodes.ACC_SYNCHRONIZED) != 0 && method.instructions.size() > 0
                && (cn.version & 0xFFFF) >= Opcodes.V1_5) {
            wrapSynchronizedBody(cn, method);
        }
        method.maxStack += 3; // a DUP, or the two zero timeout operands of wait()
        InsnList insns = method.instructions;
        for (AbstractInsnNode i = insns.getFirst(); i != null; i = i.getNext()) {
            int op = i.getOpcode();
            if (op == Opcodes.MONITORENTER || op == Opcodes.MONITOREXIT) {
                insns.insertBefore(i, new InsnNode(Opcodes.DUP));
                insns.insertBefore(i, op == Opcodes.MONITORENTER
                        ? call(Contract.GREEN_MONITOR_ENTER, Contract.GREEN_MONITOR_ENTER_DESC)
                        : call(Contract.GREEN_MONITOR_EXIT, Contract.GREEN_MONITOR_EXIT_DESC));
            } else if (i instanceof MethodInsnNode) {
                MethodInsnNode m = (MethodInsnNode) i;
                String what = objectMethod(m);
                if (what == null) {
                    continue;
                }
                switch (what) {
                    case "wait()V":
                        insns.insertBefore(m, new InsnNode(Opcodes.LCONST_0));
                        insns.insertBefore(m, new InsnNode(Opcodes.ICONST_0));
                        redirect(m, Contract.GREEN_MONITOR_AWAIT, Contract.GREEN_MONITOR_AWAIT_DESC);
                        break;
                    case "wait(J)V":
                        insns.insertBefore(m, new InsnNode(Opcodes.ICONST_0));
                        redirect(m, Contract.GREEN_MONITOR_AWAIT, Contract.GREEN_MONITOR_AWAIT_DESC);
                        break;
                    case "wait(JI)V":
                        redirect(m, Contract.GREEN_MONITOR_AWAIT, Contract.GREEN_MONITOR_AWAIT_DESC);
                        break;
                    case "notify()V":
                        redirect(m, Contract.GREEN_MONITOR_NOTIFY, Contract.GREEN_MONITOR_NOTIFY_DESC);
                        break;
                    default:
                        redirect(m, Contract.GREEN_MONITOR_NOTIFY_ALL, Contract.GREEN_MONITOR_NOTIFY_ALL_DESC);
                }
            }
        }
    }

    /** Whether {@code method}, once transformed, calls a green monitor operation that may park ({@code enter}, {@code await}). */
    public static boolean mayPark(MethodNode method) {
        for (AbstractInsnNode i = method.instructions.getFirst(); i != null; i = i.getNext()) {
            if (i instanceof MethodInsnNode && ((MethodInsnNode) i).owner.equals(Contract.GREEN_MONITOR)
                    && (((MethodInsnNode) i).name.equals(Contract.GREEN_MONITOR_ENTER)
                    || ((MethodInsnNode) i).name.equals(Contract.GREEN_MONITOR_AWAIT))) {
                return true;
            }
        }
        return false;
    }

    /** "wait()V" etc. for a call of {@code Object.wait}, {@code notify} or {@code notifyAll} (final: any owner is Object's), else null. */
    private static String objectMethod(MethodInsnNode m) {
        if (m.getOpcode() != Opcodes.INVOKEVIRTUAL && m.getOpcode() != Opcodes.INVOKEINTERFACE) {
            return null;
        }
        String key = m.name + m.desc;
        switch (key) {
            case "wait()V":
            case "wait(J)V":
            case "wait(JI)V":
            case "notify()V":
            case "notifyAll()V":
                return key;
            default:
                return null;
        }
    }

    private static void redirect(MethodInsnNode m, String name, String desc) {
        m.setOpcode(Opcodes.INVOKESTATIC);
        m.owner = Contract.GREEN_MONITOR;
        m.name = name;
        m.desc = desc;
        m.itf = false;
    }

    private static MethodInsnNode call(String name, String desc) {
        return new MethodInsnNode(Opcodes.INVOKESTATIC, Contract.GREEN_MONITOR, name, desc, false);
    }

    /**
     * <pre>
     *   [this | LDC class]; DUP; ASTORE m; MONITORENTER          (enter as above, once the loop runs)
     * start:
     *   body, each xRETURN replaced by [xSTORE r;] GOTO exit
     * end:
     * exit:    ALOAD m; MONITOREXIT; [xLOAD r;] xRETURN
     * handler: ALOAD m; MONITOREXIT; ATHROW                   (catch-all over start..end)
     * </pre>
     */
    private static void wrapSynchronizedBody(ClassNode cn, MethodNode method) {
        method.access &= ~Opcodes.ACC_SYNCHRONIZED;
        boolean isStatic = (method.access & Opcodes.ACC_STATIC) != 0;
        Type returnType = Type.getReturnType(method.desc);
        int monitor = method.maxLocals, result = monitor + 1;
        method.maxLocals = result + returnType.getSize();
        method.maxStack = Math.max(method.maxStack, 2);
        InsnList insns = method.instructions;
        LabelNode start = new LabelNode(), end = new LabelNode(), exit = new LabelNode(), handler = new LabelNode();
        for (AbstractInsnNode i = insns.getFirst(); i != null; ) {
            AbstractInsnNode next = i.getNext();
            int op = i.getOpcode();
            if (op >= Opcodes.IRETURN && op <= Opcodes.RETURN) {
                if (returnType.getSort() != Type.VOID) {
                    insns.insertBefore(i, new VarInsnNode(returnType.getOpcode(Opcodes.ISTORE), result));
                }
                insns.set(i, new JumpInsnNode(Opcodes.GOTO, exit));
            }
            i = next;
        }
        InsnList prologue = new InsnList();
        prologue.add(isStatic ? new LdcInsnNode(Type.getObjectType(cn.name)) : new VarInsnNode(Opcodes.ALOAD, 0));
        prologue.add(new InsnNode(Opcodes.DUP));
        prologue.add(new VarInsnNode(Opcodes.ASTORE, monitor));
        prologue.add(new InsnNode(Opcodes.MONITORENTER));
        prologue.add(start);
        insns.insert(prologue);
        InsnList epilogue = new InsnList();
        epilogue.add(end);
        epilogue.add(exit);
        epilogue.add(new VarInsnNode(Opcodes.ALOAD, monitor));
        epilogue.add(new InsnNode(Opcodes.MONITOREXIT));
        if (returnType.getSort() != Type.VOID) {
            epilogue.add(new VarInsnNode(returnType.getOpcode(Opcodes.ILOAD), result));
        }
        epilogue.add(new InsnNode(returnType.getOpcode(Opcodes.IRETURN)));
        epilogue.add(handler);
        epilogue.add(new VarInsnNode(Opcodes.ALOAD, monitor));
        epilogue.add(new InsnNode(Opcodes.MONITOREXIT));
        epilogue.add(new InsnNode(Opcodes.ATHROW));
        insns.add(epilogue);
        method.tryCatchBlocks.add(new TryCatchBlockNode(start, end, handler, null));
    }
}
