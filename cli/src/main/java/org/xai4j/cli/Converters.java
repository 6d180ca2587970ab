package org.xai4j.cli;

import java.util.Arrays;
import org.xai4j.engine.io.Preprocess;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Option value parsers whose errors say what is accepted (picocli prefixes the option name). */
final class Converters {
    private Converters() {}

    /** A whole number of at least 1 (--top, --size). */
    static final class Positive implements ITypeConverter<Integer> {
        @Override
        public Integer convert(String value) {
            return (int) atLeastOne(value, Integer.MAX_VALUE);
        }
    }

    /** {@code value} as a whole number from 1 to {@code most}; else what is accepted. */
    static long atLeastOne(String value, long most) {
        try {
            long n = Long.parseLong(value.trim());
            if (n >= 1 && n <= most) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new TypeConversionException("expected a whole number of at least 1, got '" + value + "'");
    }

    /** torchvision, inception, caffe or none. */
    static final class Preset implements ITypeConverter<Preprocess> {
        @Override
        public Preprocess convert(String value) {
            try {
                return Preprocess.parse(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException("'" + value + "' is not a preset; accepted: " + Preprocess.names());
            }
        }
    }

    /** A tensor shape given on the command line. */
    record Dims(long[] values) {}

    /** "1,3,224,224": positive dimensions separated by commas (or x). */
    static final class Shape implements ITypeConverter<Dims> {
        @Override
        public Dims convert(String value) {
            try {
                long[] shape = Arrays.stream(value.trim().split("\\s*[,x]\\s*")).mapToLong(Long::parseLong).toArray();
                if (shape.length > 0 && Arrays.stream(shape).allMatch(d -> d >= 1)) {
                    return new Dims(shape);
                }
            } catch (NumberFormatException e) {
                // reported below
            }
            throw new TypeConversionException("expected positive dimensions separated by commas, like 1,3,224,224; got '"
                    + value + "'");
        }
    }

    /** "[1,3,224,224]", with N for a free dimension ("?" when unknown). */
    static String shape(long[] shape) {
        if (shape == null) {
            return "?";
        }
        StringBuilder s = new StringBuilder("[");
        for (int i = 0; i < shape.length; i++) {
            s.append(i == 0 ? "" : ",").append(shape[i] < 0 ? "N" : Long.toString(shape[i]));
        }
        return s.append(']').toString();
    }
}
