import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Task steps (issue 18): a step either POSTs to a subscription (webhook, as before) or runs a task of an integration
 * instance (task: instance_uuid, task_tag, task_input). The CHECK ties the columns to the type, so a webhook step
 * always has its subscription and a task step never has one. A step run records the task run it made. Row-level
 * security is unchanged (both tables keep their policies).
 */
export class TaskSteps1764420000000 implements MigrationInterface {
  name = 'TaskSteps1764420000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE execution_chain_steps
        ADD COLUMN step_type text NOT NULL DEFAULT 'webhook' CHECK (step_type IN ('webhook', 'task')),
        ADD COLUMN instance_uuid uuid REFERENCES integration_instances(id),
        ADD COLUMN task_tag text,
        ADD COLUMN task_input jsonb,
        ALTER COLUMN webhook_id DROP NOT NULL,
        ADD CONSTRAINT execution_chain_steps_type_fields CHECK (
          (step_type = 'webhook' AND webhook_id IS NOT NULL AND instance_uuid IS NULL AND task_tag IS NULL AND task_input IS NULL)
          OR (step_type = 'task' AND webhook_id IS NULL AND instance_uuid IS NOT NULL AND task_tag IS NOT NULL
              AND request_params IS NULL AND headers IS NULL)
        );
      CREATE INDEX execution_chain_steps_instance_idx ON execution_chain_steps (tenant_id, instance_uuid)
        WHERE instance_uuid IS NOT NULL;
      -- No foreign key: task runs are swept by their own retention.
      ALTER TABLE execution_chain_step_runs ADD COLUMN task_run_id uuid;
    `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE execution_chain_step_runs DROP COLUMN task_run_id;
      DELETE FROM execution_chain_steps WHERE step_type = 'task';
      DROP INDEX execution_chain_steps_instance_idx;
      ALTER TABLE execution_chain_steps
        DROP CONSTRAINT execution_chain_steps_type_fields,
        ALTER COLUMN webhook_id SET NOT NULL,
        DROP COLUMN task_input,
        DROP COLUMN task_tag,
        DROP COLUMN instance_uuid,
        DROP COLUMN step_type;
    `);
  }
}
