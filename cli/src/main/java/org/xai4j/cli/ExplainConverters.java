package org.xai4j.cli;

import java.util.Locale;
import org.xai4j.explain.Fill;
import org.xai4j.explain.Methods;
import org.xai4j.explain.Quadrature;
import org.xai4j.explain.image.Colormap;
import org.xai4j.explain.image.Normalization;
import org.xai4j.explain.image.Planes;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Value parsers of {@code explain}'s options; errors say what is accepted (picocli prefixes the option). */
final class ExplainConverters {
    private ExplainConverters() {}

    /** A method name or all. */
    static final class MethodName implements ITypeConverter<String> {
        @Override
        public String convert(String value) {
            String v = value.trim().toLowerCase(Locale.ROOT);
            if (v.equals(ExplainCommand.ALL)) {
                return v;
            }
            try {
                return Methods.named(v).name();
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException("'" + value + "' is not a method; accepted: " + Methods.names() + ", all");
            }
        }
    }

    /** A class index from 0, or top (read as -1: the predicted class). */
    static final class TargetClass implements ITypeConverter<Integer> {
        @Override
        public Integer convert(String value) {
            String v = value.trim();
            if (v.equalsIgnoreCase("top")) {
                return -1;
            }
            try {
                int c = Integer.parseInt(v);
                if (c >= 0) {
                    return c;
                }
            } catch (NumberFormatException e) {
                // reported below
            }
            throw new TypeConversionException("expected a class index (0, 1, ...) or top, got '" + value + "'");
        }
    }

    static final class Rule implements ITypeConverter<Quadrature> {
        @Override
        public Quadrature convert(String value) {
            try {
                return Quadrature.parse(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException("'" + value + "' is not a rule; accepted: right, left, midpoint, trapezoid, gauss-legendre");
            }
        }
    }

    /**
     * A whole number of at least 1 as a long, so that a huge value reaches the limit check
     * ({@link org.xai4j.explain.Parameter#check}) and is refused with the limit, not as "not a number".
     */
    static final class Count implements ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            return Converters.atLeastOne(value, Long.MAX_VALUE);
        }
    }

    static final class NonNegative implements ITypeConverter<Double> {
        @Override
        public Double convert(String value) {
            try {
                double d = Double.parseDouble(value.trim());
                if (d >= 0 && Double.isFinite(d)) {
                    return d;
                }
            } catch (NumberFormatException e) {
                // reported below
            }
            throw new TypeConversionException("expected a number >= 0, got '" + value + "'");
        }
    }

    static final class ColormapName implements ITypeConverter<Colormap> {
        @Override
        public Colormap convert(String value) {
            try {
                return Colormap.named(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException("'" + value + "' is not a colour map; accepted: " + Colormap.names());
            }
        }
    }

    static final class Sign implements ITypeConverter<Planes.Sign> {
        @Override
        public Planes.Sign convert(String value) {
            for (Planes.Sign s : Planes.Sign.values()) {
                if (s.cliName().equalsIgnoreCase(value.trim())) {
                    return s;
                }
            }
            throw new TypeConversionException("'" + value + "' is not a sign; accepted: signed, abs, positive");
        }
    }

    /** An opacity from 0 (the photo only) to 1 (the map only). */
    static final class Alpha implements ITypeConverter<Double> {
        @Override
        public Double convert(String value) {
            try {
                double d = Double.parseDouble(value.trim());
                if (d >= 0 && d <= 1) {
                    return d;
                }
            } catch (NumberFormatException e) {
                // reported below
            }
            throw new TypeConversionException("expected a number from 0 to 1, got '" + value + "'");
        }
    }

    /** {@code LOW,HIGH}: two percentiles with 0 <= LOW < HIGH <= 100. */
    static final class Clip implements ITypeConverter<Normalization> {
        @Override
        public Normalization convert(String value) {
            String[] parts = value.split(",", -1);
            if (parts.length == 2) {
                try {
                    double low = Double.parseDouble(parts[0].trim());
                    double high = Double.parseDouble(parts[1].trim());
                    if (0 <= low && low < high && high <= 100) {
                        return Normalization.percentiles(low, high);
                    }
                } catch (NumberFormatException e) {
                    // reported below
                }
            }
            throw new TypeConversionException("expected two percentiles LOW,HIGH with 0 <= LOW < HIGH <= 100 (e.g. 1,99), got '"
                    + value + "'");
        }
    }

    /** A probability strictly between 0 and 1 (RISE's --keep: 0 or 1 would make every mask the same). */
    static final class OpenUnit implements ITypeConverter<Double> {
        @Override
        public Double convert(String value) {
            try {
                double d = Double.parseDouble(value.trim());
                if (d > 0 && d < 1) {
                    return d;
                }
            } catch (NumberFormatException e) {
                // reported below
            }
            throw new TypeConversionException("expected a probability in (0, 1), got '" + value + "'");
        }
    }

    /** --fill VALUE|mean|blur[:S]. */
    static final class FillValue implements ITypeConverter<Fill> {
        @Override
        public Fill convert(String value) {
            try {
                return Fill.parse(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException("'" + value + "': accepted: a finite number, mean, or blur[:S] (S >= 0 pixels)");
            }
        }
    }
}
