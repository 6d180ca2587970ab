/**
 * The {@code xai4j} command line (picocli). Read first: {@link org.xai4j.cli.Main} (global
 * options, error reporting, the table of subcommands), then {@link org.xai4j.cli.PredictCommand}.
 * Options shared by commands that read a model and run it on an input are the mixins
 * {@link org.xai4j.cli.ModelOptions} and {@link org.xai4j.cli.InputOptions}; a new command is a
 * class of its own added to {@code Main}'s {@code subcommands}. {@link org.xai4j.cli.ExplainCommand}
 * offers the explain module's method catalogue; its help text comes from it through
 * {@link org.xai4j.cli.ExplainHelp}; what it draws is {@link org.xai4j.cli.ExplainPictures} (one
 * map over the photo), {@link org.xai4j.cli.ExplainFigures} (each method's PNG, same maps, all.png)
 * and {@link org.xai4j.cli.ExplainPage} (index.html). Several inputs in one run: {@link org.xai4j.cli.InputFiles}
 * (folders, patterns, subfolder names), {@link org.xai4j.cli.BatchIndex} (index.json, failures,
 * exit code) with {@link org.xai4j.cli.IndexPage} (index.html) and {@link org.xai4j.cli.ImagesProgress};
 * {@link org.xai4j.cli.TargetOptions} is {@code --target} by index, name or top, once or several times.
 */
package org.xai4j.cli;
