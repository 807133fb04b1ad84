# omicsaug: which findings does each augmentation method recover, and which does it invent?
# Table of contents only: stages live in rules/, logic in the omicsaug package.
from snakemake.utils import min_version

min_version("9.0")


# The default config, unless --configfile names another: a paper config runs on its own
# rather than being merged into the default datasets.
if not workflow.overwrite_configfiles:

    configfile: "config/config.yaml"


report: "report/workflow.rst"


include: "rules/common.smk"
include: "rules/io.smk"
include: "rules/simulate.smk"
include: "rules/preprocess.smk"
include: "rules/stats.smk"
include: "rules/design.smk"
include: "rules/augment.smk"
include: "rules/generators.smk"
include: "rules/evaluate.smk"
include: "rules/calibrate.smk"


rule all:
    default_target: True
    input:
        get_final_output(),
