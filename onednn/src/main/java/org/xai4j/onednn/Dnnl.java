package org.xai4j.onednn;

import static org.bytedeco.dnnl.global.dnnl.*;

import org.bytedeco.dnnl.const_dnnl_op_desc_t;
import org.bytedeco.dnnl.dnnl_engine;
import org.bytedeco.dnnl.dnnl_exec_arg_t;
import org.bytedeco.dnnl.dnnl_memory;
import org.bytedeco.dnnl.dnnl_memory_desc_t;
import org.bytedeco.dnnl.dnnl_primitive;
import org.bytedeco.dnnl.dnnl_primitive_attr;
import org.bytedeco.dnnl.dnnl_primitive_desc;
import org.bytedeco.dnnl.dnnl_primitive_desc_iterator;
import org.bytedeco.dnnl.dnnl_stream;
import org.bytedeco.dnnl.global.dnnl;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerPointer;

/**
 * The few calls of oneDNN's C API that {@link OneDnnPlan} makes, each checked: a failing call
 * throws with the call's name and oneDNN's status code. oneDNN comes from the
 * {@code org.bytedeco:dnnl} presets, a separate copy from the one linked inside ND4J (which
 * exports no symbols), so both live in one process.
 */
final class Dnnl {
    static final dnnl_engine ENGINE;

    static {
        Loader.load(dnnl.class);
        ENGINE = new dnnl_engine();
        check(dnnl_engine_create(ENGINE, dnnl_cpu, 0), "dnnl_engine_create");
    }

    private Dnnl() {}

    static void check(int status, String call) {
        if (status != dnnl_success) {
            throw new UnsupportedOperationException("oneDNN " + call + " failed with status " + status);
        }
    }

    /** A memory descriptor for f32 data of {@code dims} in layout {@code tag}. */
    static dnnl_memory_desc_t md(long[] dims, int tag) {
        dnnl_memory_desc_t md = new dnnl_memory_desc_t();
        check(dnnl_memory_desc_init_by_tag(md, dims.length, dims, dnnl_f32, tag), "dnnl_memory_desc_init_by_tag");
        return md;
    }

    /** A memory descriptor for f32 data of {@code dims} with the given strides (in values, per dimension). */
    static dnnl_memory_desc_t md(long[] dims, long[] strides) {
        dnnl_memory_desc_t md = new dnnl_memory_desc_t();
        check(dnnl_memory_desc_init_by_strides(md, dims.length, dims, dnnl_f32, strides), "dnnl_memory_desc_init_by_strides");
        return md;
    }

    /** A copy of a memory descriptor that a primitive descriptor chose ({@code what}: a dnnl_query_*_md). */
    static dnnl_memory_desc_t query(dnnl_primitive_desc pd, int what) {
        dnnl_memory_desc_t md = new dnnl_memory_desc_t();
        md.put(dnnl_primitive_desc_query_md(pd, what, 0));
        return md;
    }

    /** A copy of the memory descriptor a primitive descriptor chose for execution argument {@code arg} (a DNNL_ARG_*). */
    static dnnl_memory_desc_t queryArg(dnnl_primitive_desc pd, int arg) {
        dnnl_memory_desc_t md = new dnnl_memory_desc_t();
        md.put(dnnl_primitive_desc_query_md(pd, dnnl_query_exec_arg_md, arg));
        return md;
    }

    static long bytes(dnnl_memory_desc_t md) {
        return dnnl_memory_desc_get_size(md);
    }

    static boolean same(dnnl_memory_desc_t a, dnnl_memory_desc_t b) {
        return dnnl_memory_desc_equal(a, b) != 0;
    }

    /**
     * A primitive descriptor for an initialised operation descriptor, under {@code attr}; a
     * backward one needs its forward one as a {@code hint} (else null).
     */
    static dnnl_primitive_desc pd(Pointer opDesc, dnnl_primitive_attr attr, dnnl_primitive_desc hint, String what) {
        dnnl_primitive_desc pd = new dnnl_primitive_desc();
        check(dnnl_primitive_desc_create(pd, new const_dnnl_op_desc_t(opDesc), attr, ENGINE, hint), what);
        return pd;
    }

    /**
     * Like {@link #pd}, but the first implementation oneDNN offers whose name starts with
     * {@code preferred} ("jit:sse41"), when it offers one; else the one {@link #pd} gives.
     */
    static dnnl_primitive_desc pd(Pointer opDesc, dnnl_primitive_attr attr, dnnl_primitive_desc hint, String preferred, String what) {
        dnnl_primitive_desc_iterator it = new dnnl_primitive_desc_iterator();
        check(dnnl_primitive_desc_iterator_create(it, new const_dnnl_op_desc_t(opDesc), attr, ENGINE, hint), what);
        try {
            do {
                dnnl_primitive_desc pd = dnnl_primitive_desc_iterator_fetch(it);
                if (implementation(pd).startsWith(preferred)) {
                    return pd;
                }
                check(dnnl_primitive_desc_destroy(pd), "dnnl_primitive_desc_destroy");
            } while (dnnl_primitive_desc_iterator_next(it) == dnnl_success);
        } finally {
            dnnl_primitive_desc_iterator_destroy(it);
        }
        return pd(opDesc, attr, hint, what);
    }

    static dnnl_primitive_desc reorderPd(dnnl_memory_desc_t from, dnnl_memory_desc_t to) {
        dnnl_primitive_desc pd = new dnnl_primitive_desc();
        check(dnnl_reorder_primitive_desc_create(pd, from, ENGINE, to, ENGINE, null), "dnnl_reorder_primitive_desc_create");
        return pd;
    }

    static dnnl_primitive primitive(dnnl_primitive_desc pd) {
        dnnl_primitive p = new dnnl_primitive();
        check(dnnl_primitive_create(p, pd), "dnnl_primitive_create");
        return p;
    }

    /** The kernel oneDNN picked, as its verbose mode names it ("jit_1x1:avx2", "ref:any"). */
    static String implementation(dnnl_primitive_desc pd) {
        PointerPointer<BytePointer> s = new PointerPointer<>(1);
        check(dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, s), "dnnl_primitive_desc_query");
        return new BytePointer(s.get(0)).getString();
    }

    /** A primitive attribute with the caller-provided scratchpad and no other setting. */
    static dnnl_primitive_attr attr() {
        dnnl_primitive_attr a = new dnnl_primitive_attr();
        check(dnnl_primitive_attr_create(a), "dnnl_primitive_attr_create");
        check(dnnl_primitive_attr_set_scratchpad_mode(a, dnnl_scratchpad_mode_user), "dnnl_primitive_attr_set_scratchpad_mode");
        return a;
    }

    /** A memory object over {@code address} (0: set later with {@link #point}). */
    static dnnl_memory memory(dnnl_memory_desc_t md, long address) {
        dnnl_memory m = new dnnl_memory();
        check(dnnl_memory_create(m, md, ENGINE, new Address(address)), "dnnl_memory_create");
        return m;
    }

    static void point(dnnl_memory m, long address) {
        check(dnnl_memory_set_data_handle(m, new Address(address)), "dnnl_memory_set_data_handle");
    }

    /** Execution arguments: {@code kinds[i]} (a DNNL_ARG_*) bound to {@code memories[i]}. */
    static dnnl_exec_arg_t args(int[] kinds, dnnl_memory... memories) {
        dnnl_exec_arg_t a = new dnnl_exec_arg_t(kinds.length);
        for (int i = 0; i < kinds.length; i++) {
            a.position(i).arg(kinds[i]).memory(memories[i]);
        }
        return a.position(0);
    }

    static void execute(dnnl_primitive p, dnnl_stream stream, dnnl_exec_arg_t args, int count, String what) {
        check(dnnl_primitive_execute(p, stream, count, args), what);
    }

    static dnnl_stream stream() {
        dnnl_stream s = new dnnl_stream();
        check(dnnl_stream_create(s, ENGINE, dnnl_stream_default_flags), "dnnl_stream_create");
        return s;
    }

    /** Copies {@code bytes} bytes from address {@code from} to address {@code to}. */
    static void copy(long to, long from, long bytes) {
        Pointer.memcpy(new Address(to), new Address(from), bytes);
    }

    /** A raw address as a JavaCPP pointer (what the C API calls a {@code void *handle}). */
    static final class Address extends Pointer {
        Address(long address) {
            this.address = address;
        }
    }
}
