# omicsaug: which findings does each augmentation method recover, and which does it invent?
# Table of contents only: stages live in rules/, logic in the omicsaug package.
from snakemake.utils import min_version

min_version("9.0")


configfile: "config/config.yaml"


report: "report/workflow.rst"


include: "rules/common.smk"
include: "rules/io.smk"
include: "rules/simulate.smk"
include: "rules/preprocess.smk"
include: "rules/stats.smk"
include: "rules/design.smk"
include: "rules/augment.smk"


rule all:
    input:
        get_final_output(),
    default_target: True
