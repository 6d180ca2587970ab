/**
 * The {@code xai4j} command line (picocli). Read first: {@link org.xai4j.cli.Main} (global
 * options, error reporting, the table of subcommands), then {@link org.xai4j.cli.PredictCommand}.
 * Options shared by commands that read a model and run it on an input are the mixins
 * {@link org.xai4j.cli.ModelOptions} and {@link org.xai4j.cli.InputOptions}; a new command is a
 * class of its own added to {@code Main}'s {@code subcommands}. {@link org.xai4j.cli.ExplainCommand}
 * offers the explain module's method catalogue; its help text comes from it through
 * {@link org.xai4j.cli.ExplainHelp}; what it draws is {@link org.xai4j.cli.ExplainPictures} (one
 * map over the photo), {@link org.xai4j.cli.ExplainFigures} (each method's PNG, same maps, all.png)
 * and {@link org.xai4j.cli.ExplainPage} (index.html).
 */
package org.xai4j.cli;
